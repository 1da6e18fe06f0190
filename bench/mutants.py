"""Mutation testing of the modules that guard people and data (`make mutants [MODULE=...]`).

Runs mutmut on the guarding functions of one group (or all), then prints killed / survived per
group. Only the fast tests (tests/unit, tests/storage; see [tool.mutmut] in pyproject.toml) run
for each mutant: mutmut picks, per mutated function, the tests that call it.
"""

from __future__ import annotations

import json
import subprocess
import sys
from collections import Counter
from fnmatch import fnmatch
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
M = "ǁ"  # mutmut's separator between a class and its method in mutant names
REPO_OUTBOX = f"storage.repositories.outbox.x{M}SqlOutboxRepository{M}"
SERVICE_OUTBOX = f"bot.services.outbox.x{M}OutboxService{M}"
REGISTRATION = f"bot.services.registration.x{M}RegistrationService{M}"

GROUPS: dict[str, list[str]] = {
    "secrecy": ["bot.services.secrecy.*"],
    "access": ["bot.services.access.*"],
    "invites": [
        "bot.services.registration.x_hash_code__*",
        f"{REGISTRATION}_check_invite__*",
        f"{REGISTRATION}_save__*",
        f"storage.repositories.people.x{M}SqlInviteRepository{M}*",
    ],
    "erasure": [
        "bot.domain.privacy.*",
        "bot.services.registration.x_forget_person__*",
        f"storage.repositories.people.x{M}SqlFocalPointRepository{M}erase__*",
        f"storage.repositories.people.x{M}SqlFocalPointRepository{M}_active__*",
    ],
    "progress": ["bot.domain.progress.*", "storage.repositories.progress.*"],
    "outbox": [
        *(f"{REPO_OUTBOX}{name}__*" for name in (
            "enqueue", "existing_keys", "_claimable", "claim", "expire", "_held", "_settle",
            "renew", "release", "recover")),
        *(f"{SERVICE_OUTBOX}{name}__*" for name in ("_keep_lease", "_write", "_is_group")),
    ],
    "phone": [
        "bot.services.parsing.x_parse_phone__*",
        "bot.services.parsing.x_format_phone__*",
        "bot.services.parsing.x__problem__*",
        f"bot.services.parsing.x{M}PhoneError{M}*",
    ],
}

KILLED = {1, 3, 36, 24, -24, 152, 255}  # mutmut's exit codes for a failed test or a timeout
SURVIVED = {0}  # 5 and 33: no selected test calls the function ("no test" below)


def results() -> dict[str, int | None]:
    """Every mutant's exit code from mutmut's records (None: not run, or no test covers it)."""
    codes: dict[str, int | None] = {}
    for meta in (ROOT / "mutants").rglob("*.meta"):
        codes.update(json.loads(meta.read_text())["exit_code_by_key"])
    return codes


def table(groups: list[str], codes: dict[str, int | None]) -> str:
    """A Markdown table of killed / survived / untested mutants per group."""
    rows = ["| module | mutants | killed | survived | no test |",
            "| --- | --: | --: | --: | --: |"]
    for group in groups:
        mine = [code for name, code in codes.items()
                if any(fnmatch(name, pattern) for pattern in GROUPS[group])]
        count = Counter("killed" if code in KILLED else "survived" if code in SURVIVED
                        else "none" for code in mine if code is not None)
        rows.append(f"| {group} | {len(mine)} | {count['killed']} | {count['survived']} "
                    f"| {count['none']} |")
    return "\n".join(rows)


def survivors(groups: list[str], codes: dict[str, int | None]) -> list[str]:
    """The names of surviving or untested mutants of these groups."""
    return sorted(name for name, code in codes.items() if code not in KILLED
                  and any(fnmatch(name, p) for group in groups for p in GROUPS[group]))


def main(argv: list[str]) -> int:
    """Run mutmut on the named group (or all) and print the table."""
    wanted = argv[0] if argv and argv[0] else "all"
    groups = list(GROUPS) if wanted == "all" else [wanted]
    if any(group not in GROUPS for group in groups):
        print(f"unknown MODULE {wanted!r}; one of: all, {', '.join(GROUPS)}")
        return 2
    patterns = [pattern for group in groups for pattern in GROUPS[group]]
    mutmut = Path(sys.executable).with_name("mutmut")
    run = subprocess.run([str(mutmut), "run", "--max-children", "2", *patterns], cwd=ROOT,
                         check=False)
    if run.returncode != 0:
        return run.returncode
    codes = results()
    print(table(groups, codes))
    left = survivors(groups, codes)
    if left:
        print("\nnot killed (see `mutmut show NAME`):")
        print("\n".join(left))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
