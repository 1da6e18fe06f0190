"""The real bot as a process, killed with SIGKILL in the middle of a burst, then restarted.

Twenty people each send `/dangky` with a wrong code at once; every such update writes one audit
entry (in the same transaction as its stored answer) and is answered. The process is killed
right after the batch was fetched, after the first answer, or after the tenth; the fake
Telegram server stays up. After the restart: every update is in the inbox and processed, every
person's refusal is recorded exactly once, and everyone is answered: once, except at most one
person answered a second time (the update being answered when the process died: its answer was
sent but the update was not yet marked done, so the stored answer is replayed).
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import signal
import sqlite3
import sys
import time
from collections import Counter
from pathlib import Path

import pytest

from bot.fakeserver import FakeBotApi
from tests.conftest import KONTUM, ROOT, TOKEN

PEOPLE = 20
pytestmark = pytest.mark.timeout(90)


async def _start(fake: FakeBotApi, database: Path, workdir: Path) -> asyncio.subprocess.Process:
    env = {k: v for k, v in os.environ.items()
           if k not in ("BOT_TOKEN", "DATABASE_URL", "ZALO_BOT_TOKEN", "ADMIN_IDS", "HEAD_IDS")}
    env.update(NO_PROXY="127.0.0.1,localhost", no_proxy="127.0.0.1,localhost",
               BOT_TOKEN=TOKEN, TELEGRAM_API_URL=fake.url, PLAN_FILE=str(KONTUM),
               DATABASE_URL=f"sqlite+aiosqlite:///{database}", PYTHONPATH=str(ROOT),
               LOG_LEVEL="WARNING")
    return await asyncio.create_subprocess_exec(
        sys.executable, "-m", "bot", "run", "--no-sandbox", cwd=workdir, env=env,
        stdout=asyncio.subprocess.DEVNULL, stderr=open(workdir / "stderr.log", "ab"),  # noqa: SIM115
    )


async def _until(condition, timeout: float, what: str) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out waiting for {what}")
        await asyncio.sleep(0.01)


def _answers(fake: FakeBotApi, people) -> Counter[int]:
    return Counter({p.id: len(fake.sent_messages(p.id)) for p in people})


def _refusals(database: Path) -> Counter[str]:
    with contextlib.closing(sqlite3.connect(database)) as db:
        rows = db.execute("SELECT actor FROM audit_log WHERE action = 'invite.refused'").fetchall()
    return Counter(actor for (actor,) in rows)


def _inbox(database: Path) -> list[tuple[str, str]]:
    with contextlib.closing(sqlite3.connect(database)) as db:
        return db.execute("SELECT message_key, status FROM inbox ORDER BY id").fetchall()


@pytest.mark.parametrize("kill_after", ["fetched", 1, 10])
async def test_a_kill_mid_burst_loses_nothing_and_repeats_nothing(tmp_path, kill_after):
    database = tmp_path / "daumoi.sqlite3"
    async with FakeBotApi(token=TOKEN, bot_username="daumoi_bot") as fake:
        people = [fake.add_user(f"Người {n}") for n in range(PEOPLE)]
        # Answers take a little while, so the kill lands in the middle of the burst.
        fake.set_delay(0.05, "sendMessage")
        bot = await _start(fake, database, tmp_path)
        try:
            await _until(lambda: fake.calls_to("setMyCommands"), 30, "the bot to start")
            await fake.wait_for_poll(timeout=10)
            for person in people:
                fake.send_text(person, "/dangky SAI-MA-1234")
            if kill_after == "fetched":
                await _until(lambda: any(c.response.get("result") for c in
                                         fake.calls_to("getUpdates")), 10, "the batch")
            else:
                await _until(lambda: sum(_answers(fake, people).values()) >= kill_after, 10,
                             f"{kill_after} answers")
            bot.send_signal(signal.SIGKILL)
            await bot.wait()
            # An answer in flight at the kill is recorded once its delay ends: count it before.
            await fake.settled()
            before = _answers(fake, people)
            assert sum(before.values()) < PEOPLE, "the kill came after the burst"

            bot = await _start(fake, database, tmp_path)
            await _until(lambda: all(_answers(fake, people).values()), 20, "every answer")
            await fake.wait_for_poll(timeout=10)
            await asyncio.sleep(0.3)  # anything still to come would come now
            bot.send_signal(signal.SIGINT)
            assert await asyncio.wait_for(bot.wait(), 20) == 0
        finally:
            if bot.returncode is None:
                bot.kill()
                await bot.wait()
        after = _answers(fake, people)

    stderr = (tmp_path / "stderr.log").read_text()
    assert "Traceback" not in stderr, stderr
    inbox = _inbox(database)
    assert len(inbox) == PEOPLE and {status for _key, status in inbox} == {"done"}
    assert _refusals(database) == Counter({f"telegram:{p.id}": 1 for p in people})
    # Everyone answered; only an answer in flight at the kill may arrive twice.
    twice = [pid for pid, count in after.items() if count == 2]
    assert all(1 <= count <= 2 for count in after.values()), after
    assert len(twice) <= 1 and all(before[pid] == 1 for pid in twice), (before, after)
    if kill_after == "fetched":
        assert after == Counter({p.id: 1 for p in people})
