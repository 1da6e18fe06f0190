"""Several instances of the real bot (as processes) on one database.

On PostgreSQL (E2E_DATABASE_URL, as in CI): both run in webhook mode (several instances cannot
share one long poll); an update delivered to both has one effect; queued messages leave once,
from the leader, and when it is killed (SIGKILL) the other takes over within seconds. On SQLite a
second instance is refused at start with one clear line.
"""

from __future__ import annotations

import asyncio
import os
import signal
import socket
import sys
import time
from datetime import UTC, datetime
from pathlib import Path

import aiohttp
import pytest
from sqlalchemy import text

from bot.domain.records import OutboxMessage
from bot.fakeserver import FakeBotApi, FloodLimits
from storage.db import create_engine
from storage.uow import make_uow_factory
from tests.conftest import KONTUM, ROOT, TOKEN
from tests.support import tg

pytestmark = pytest.mark.timeout(120)
LEADS = "now sends the reminders"
SECRET = "instances-test-secret"
POLL = 5  # seconds: how often an idle inbox worker looks for updates of other instances


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


async def _start(fake: FakeBotApi, database_url: str, log: Path,
                 port: int | None = None, **extra: str) -> asyncio.subprocess.Process:
    port = port or _free_port()
    env = {k: v for k, v in os.environ.items()
           if k not in ("BOT_TOKEN", "DATABASE_URL", "ZALO_BOT_TOKEN", "ADMIN_IDS", "HEAD_IDS")}
    env.update(NO_PROXY="127.0.0.1,localhost", no_proxy="127.0.0.1,localhost",
               BOT_TOKEN=TOKEN, TELEGRAM_API_URL=fake.url, PLAN_FILE=str(KONTUM),
               DATABASE_URL=database_url, PYTHONPATH=str(ROOT), LOG_LEVEL="INFO",
               WEB_LISTEN=f"127.0.0.1:{port}",
               TELEGRAM_WEBHOOK_URL=f"http://127.0.0.1:{port}/telegram/webhook",
               TELEGRAM_WEBHOOK_SECRET=SECRET,
               QUIET_HOURS="off", LEADER_RETRY_SECONDS="0.3", **extra)
    return await asyncio.create_subprocess_exec(
        sys.executable, "-m", "bot", "run", "--no-sandbox", cwd=log.parent, env=env,
        stdout=asyncio.subprocess.DEVNULL, stderr=open(log, "ab"),  # noqa: SIM115
    )


async def _until(condition, timeout: float, what: str) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out waiting for {what}")
        await asyncio.sleep(0.02)


async def _queue(database_url: str, key: str, *user_ids: int) -> None:
    engine = create_engine(database_url)
    try:
        now = datetime.now(UTC)
        async with make_uow_factory(engine)() as uow:
            for user_id in user_ids:
                await uow.outbox.enqueue(OutboxMessage(
                    key=f"{key}:{user_id}", kind="erasure", address=tg(user_id),
                    text_key="registration.erased_notice", payload={"unit": key}, locale="vi",
                    due_at=now, created_at=now, recipient_unit_id=None,
                    campaign_id="kontum-2023"))
            await uow.commit()
    finally:
        await engine.dispose()


async def _status(database_url: str, key: str) -> str | None:
    engine = create_engine(database_url)
    try:
        async with engine.connect() as connection:
            return await connection.scalar(
                text("SELECT status FROM outbox WHERE key = :key"), {"key": key})
    finally:
        await engine.dispose()


async def _refusals(database_url: str, user_id: int) -> int:
    engine = create_engine(database_url)
    try:
        async with engine.connect() as connection:
            return int(await connection.scalar(
                text("SELECT count(*) FROM audit_log WHERE action = 'invite.refused' "
                     "AND actor = :actor"), {"actor": f"telegram:{user_id}"}))
    finally:
        await engine.dispose()


def _texts(fake: FakeBotApi, user_id: int) -> list[str]:
    return [message.text or "" for message in fake.sent_messages(user_id)]


def _update(update_id: int, user, text: str) -> dict:
    return {"update_id": update_id, "message": {
        "message_id": update_id, "date": int(time.time()), "text": text,
        "chat": {"id": user.id, "type": "private", "first_name": user.first_name},
        "from": {"id": user.id, "is_bot": False, "first_name": user.first_name}}}


async def _post_update(port: int, update: dict) -> int:
    async with aiohttp.ClientSession() as session, session.post(
            f"http://127.0.0.1:{port}/telegram/webhook", json=update,
            headers={"X-Telegram-Bot-Api-Secret-Token": SECRET}) as response:
        return response.status


@pytest.fixture
async def postgres_url(database_url: str) -> str:
    """The suite's PostgreSQL database, clean and migrated (E2E_DATABASE_URL, else
    TEST_DATABASE_URL): several instances need one."""
    if not database_url.startswith("sqlite"):
        return database_url
    url = os.environ.get("TEST_DATABASE_URL")
    if not url:
        pytest.skip("several instances need PostgreSQL: set TEST_DATABASE_URL (as .ci/run does)")
    from storage.migrate import upgrade_async
    from tests.storage.conftest import _reset_postgres

    await _reset_postgres(url)
    await upgrade_async(url)
    return url


async def test_a_second_instance_on_one_sqlite_file_is_refused_with_one_line(tmp_path):
    database_url = f"sqlite+aiosqlite:///{tmp_path / 'daumoi.sqlite3'}"
    first_log, second_log = tmp_path / "first.log", tmp_path / "second.log"
    async with FakeBotApi(token=TOKEN, bot_username="daumoi_bot") as fake:
        first = await _start(fake, database_url, first_log)
        try:
            await _until(lambda: LEADS in first_log.read_text(), 60, "the first instance")
            second = await _start(fake, database_url, second_log)
            assert await asyncio.wait_for(second.wait(), 60) == 2
            assert "Một phiên bản khác của bot đang chạy" in second_log.read_text()
            assert first.returncode is None  # the first one is untouched
        finally:
            await _stop(first)


async def _stop(process) -> None:
    if process is not None and process.returncode is None:
        process.send_signal(signal.SIGINT)
        try:
            await asyncio.wait_for(process.wait(), 20)
        except TimeoutError:
            process.kill()
            await process.wait()


async def test_one_instance_sends_and_the_other_takes_over_when_it_is_killed(tmp_path,
                                                                             postgres_url):
    database_url = postgres_url
    first_log, second_log = tmp_path / "first.log", tmp_path / "second.log"
    first_port, second_port = _free_port(), _free_port()
    async with FakeBotApi(token=TOKEN, bot_username="daumoi_bot") as fake:
        user = fake.add_user("Thư ký")
        first = await _start(fake, database_url, first_log, first_port)
        second = None
        try:
            await _until(lambda: LEADS in first_log.read_text(), 60, "the first instance to lead")
            second = await _start(fake, database_url, second_log, second_port)
            await _until(lambda: "daumoi is running" in second_log.read_text(), 60,
                         "the second instance to run")
            assert LEADS not in second_log.read_text()  # it waits: one sender only

            # The same update reaches both instances (a proxy retrying elsewhere): one effect
            # (the refused code is recorded once); a repeat gets at most the same answer
            # again, as a redelivery does (tests/e2e/test_redelivery.py).
            stranger = fake.add_user("Khách")
            update = {"update_id": 990001, "message": {
                "message_id": 1, "date": int(time.time()), "text": "/dangky SAIMA123",
                "chat": {"id": stranger.id, "type": "private", "first_name": "Khách"},
                "from": {"id": stranger.id, "is_bot": False, "first_name": "Khách"}}}
            assert await _post_update(first_port, update) == 200
            await _until(lambda: len(fake.sent_messages(stranger.id)) >= 1, 30, "the answer")
            assert await _post_update(second_port, update) == 200
            # Answered again (the stored answer) unless it was still being handled then.
            await asyncio.sleep(POLL + 1)
            answers = _texts(fake, stranger.id)
            assert len(set(answers)) == 1, answers
            assert await _refusals(database_url, stranger.id) == 1

            await _queue(database_url, "truoc-khi-tat", user.id)
            await _until(lambda: any("truoc-khi-tat" in t for t in _texts(fake, user.id)), 30,
                         "the queued message")

            # Killed once the send is recorded: a kill between the platform's answer and that
            # record may send one message twice (at least once, never lost; see the outbox).
            for _ in range(500):
                if await _status(database_url, f"truoc-khi-tat:{user.id}") == "sent":
                    break
                await asyncio.sleep(0.02)
            first.send_signal(signal.SIGKILL)
            await first.wait()
            await _queue(database_url, "sau-khi-tat", user.id)
            await _until(lambda: LEADS in second_log.read_text(), 30, "the takeover")
            await _until(lambda: any("sau-khi-tat" in t for t in _texts(fake, user.id)), 30,
                         "the message queued after the kill")
            await asyncio.sleep(1)  # long enough for a second copy to show, if one were sent
            texts = _texts(fake, user.id)
            assert sum("truoc-khi-tat" in t for t in texts) == 1
            assert sum("sau-khi-tat" in t for t in texts) == 1
        finally:
            await _stop(first)
            await _stop(second)


async def test_two_instances_together_stay_within_the_platforms_rate(tmp_path, postgres_url):
    """The leader sends a wave of queued messages while the other answers a burst of people;
    Telegram (the fake, 10 messages/s overall) never has to refuse one."""
    limits = FloodLimits(overall_per_second=10, overall_burst=10, chat_burst=3)
    first_log, second_log = tmp_path / "first.log", tmp_path / "second.log"
    second_port = _free_port()
    async with FakeBotApi(token=TOKEN, bot_username="daumoi_bot", flood_limits=limits) as fake:
        wave = [fake.add_user(f"Đầu mối {n}") for n in range(30)]
        askers = [fake.add_user(f"Khách {n}") for n in range(20)]
        first = await _start(fake, postgres_url, first_log, SEND_RATE_LIMIT="10")
        second = None
        try:
            await _until(lambda: LEADS in first_log.read_text(), 60, "the first instance to lead")
            second = await _start(fake, postgres_url, second_log, second_port,
                                  SEND_RATE_LIMIT="10")
            await _until(lambda: "daumoi is running" in second_log.read_text(), 60,
                         "the second instance to run")
            await _queue(postgres_url, "dot-nhac", *(user.id for user in wave))
            for number, user in enumerate(askers):
                assert await _post_update(second_port, _update(880000 + number, user,
                                                               "/start")) == 200
            everyone = [*wave, *askers]
            await _until(lambda: all(fake.sent_messages(u.id) for u in everyone), 60,
                         "every message")
            assert fake.retry_after_count == 0  # never over the limit, both together
        finally:
            await _stop(first)
            await _stop(second)



async def test_updates_spread_over_two_instances_are_each_answered_once(tmp_path, postgres_url):
    """A proxy spreads people's messages over the instances: each is handled by one of them."""
    first_log, second_log = tmp_path / "first.log", tmp_path / "second.log"
    ports = [_free_port(), _free_port()]
    async with FakeBotApi(token=TOKEN, bot_username="daumoi_bot") as fake:
        people = [fake.add_user(f"Người {n}") for n in range(40)]
        first = await _start(fake, postgres_url, first_log, ports[0])
        second = None
        try:
            await _until(lambda: LEADS in first_log.read_text(), 60, "the first instance to lead")
            second = await _start(fake, postgres_url, second_log, ports[1])
            await _until(lambda: "daumoi is running" in second_log.read_text(), 60,
                         "the second instance to run")
            posts = [_post_update(ports[n % 2], _update(770000 + n, person, f"/dangky SAI{n}"))
                     for n, person in enumerate(people)]
            assert set(await asyncio.gather(*posts)) == {200}
            await _until(lambda: all(fake.sent_messages(p.id) for p in people), 60, "answers")
            await asyncio.sleep(1)  # a second answer, if any, shows by now
            assert [len(fake.sent_messages(p.id)) for p in people] == [1] * len(people)
        finally:
            await _stop(first)
            await _stop(second)
