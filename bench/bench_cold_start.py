"""Benchmark: cold start to the first answer, as an operator restarting the bot sees it.

Run from the repository root: ``python bench/bench_cold_start.py [--rounds 5]``.

A /start is already waiting on a fake Bot API server when `python -m bot run` is spawned; the
time runs from the spawn to the fake server receiving the answer (interpreter start, imports,
settings, plan, database check, Telegram's getMe and menus, the first poll, the answer). Each
round is a fresh process on a copy of a database already migrated with the plan loaded (a
restart); the first start on an empty database, which migrates it, is printed apart.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import os
import shutil
import statistics
import sys
import tempfile
import time
from pathlib import Path

if __package__ in (None, ""):
    # run as a script: make the repository root importable
    sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bot.fakeserver import FakeBotApi  # noqa: E402

ROOT = Path(__file__).resolve().parents[1]
TOKEN = "123456:COLD-START"
TARGET_S = 1.5


async def first_answer(database_url: str, timeout: float = 60.0) -> float:
    """Seconds from spawning the bot to its answer to a /start that was waiting for it."""
    async with FakeBotApi(token=TOKEN) as api:
        user = api.add_user("Lan")
        api.send_text(user, "/start")
        env = {
            **os.environ,
            "BOT_TOKEN": TOKEN,
            "TELEGRAM_API_URL": api.url,
            "DATABASE_URL": database_url,
            "PLAN_FILE": str(ROOT / "plans" / "kontum-2023.yaml"),
            "NO_PROXY": "127.0.0.1,localhost",
            "LOG_LEVEL": "WARNING",
        }
        started = time.perf_counter()
        process = await asyncio.create_subprocess_exec(
            sys.executable, "-m", "bot", "run", "--no-sandbox", cwd=ROOT, env=env,
            stdout=asyncio.subprocess.DEVNULL, stderr=asyncio.subprocess.PIPE,
        )
        try:
            await api.activity.wait_for(lambda: True if api.sent_messages() else None, timeout)
            elapsed = time.perf_counter() - started
        except TimeoutError:
            elapsed = None
        finally:
            with contextlib.suppress(ProcessLookupError):
                process.terminate()
            _out, err = await process.communicate()
        if elapsed is None or process.returncode not in (0, -15):
            raise RuntimeError(f"no answer (exit status {process.returncode}): "
                               f"{err.decode()[-800:]}")
        return elapsed


async def prepare(url: str) -> None:
    """A database as a bot leaves it: migrated, the plan loaded (no update pending)."""
    from bot.app import Runtime
    from bot.plan import load_plan
    from bot.settings import Settings

    settings = Settings(_env_file=None, bot_token=TOKEN, database_url=url)  # type: ignore[call-arg]
    async with Runtime.open(settings, load_plan(ROOT / "plans" / "kontum-2023.yaml")) as runtime:
        await runtime.load_plan()


async def main(argv: list[str] | None = None) -> float:
    """Time the first start (migrating) and several restarts; print the median restart."""
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--rounds", type=int, default=5, help="restarts to time (default 5)")
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory() as folder:
        first = await first_answer(f"sqlite+aiosqlite:///{folder}/empty.sqlite3")
        print(f"first start, empty database (migrates it): {first:.2f} s to the first answer")
        template = Path(folder) / "template.sqlite3"
        await prepare(f"sqlite+aiosqlite:///{template}")
        times = []
        for round_no in range(1, args.rounds + 1):
            copy = Path(folder) / f"restart-{round_no}.sqlite3"
            shutil.copy(template, copy)
            times.append(await first_answer(f"sqlite+aiosqlite:///{copy}"))
            print(f"  restart {round_no}: {times[-1]:.2f} s", flush=True)
    median = statistics.median(times)
    verdict = "within" if median < TARGET_S else "OVER"
    print(f"median restart to the first answer: {median:.2f} s ({verdict} the {TARGET_S} s "
          "target)")
    return median


if __name__ == "__main__":
    asyncio.run(main())
