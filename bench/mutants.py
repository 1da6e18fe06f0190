"""Mutation testing of the modules that guard people and data (`make mutants [MODULE=...]`).

Runs mutmut on the guarding functions of one group (or all), then prints killed / survived per
group. Only the fast tests (tests/unit, tests/storage; see [tool.mutmut] in pyproject.toml) run
for each mutant: mutmut picks, per mutated function, the tests that call it.
"""

from __future__ import annotations

import hashlib
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


def tests_digest() -> str:
    """A hash of every test file, to tell when mutmut's map of tests is out of date."""
    digest = hashlib.sha256()
    for path in sorted((ROOT / "tests").rglob("*.py")):
        digest.update(path.relative_to(ROOT).as_posix().encode())
        digest.update(path.read_bytes())
    return digest.hexdigest()


def forget_stale_stats(digest: str) -> None:
    """Drop mutmut's map of which tests call which function if any test file changed.

    mutmut keeps that map while a test's name stays the same, so a test rewritten to reach a
    function (say, a value built inside the test instead of at import) would never be run
    against that function's mutants. A fresh map costs one run of the selected tests.
    """
    stamp = ROOT / "mutants" / "tests.sha256"
    if not stamp.exists() or stamp.read_text() != digest:
        (ROOT / "mutants" / "mutmut-stats.json").unlink(missing_ok=True)


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
    digest = tests_digest()
    forget_stale_stats(digest)
    run = subprocess.run([str(mutmut), "run", "--max-children", "2", *patterns], cwd=ROOT,
                         check=False)
    if run.returncode != 0:
        return run.returncode
    (ROOT / "mutants" / "tests.sha256").write_text(digest)
    codes = results()
    print(table(groups, codes))
    left = survivors(groups, codes)
    if left:
        print("\nnot killed (see `mutmut show NAME`):")
        print("\n".join(left))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
