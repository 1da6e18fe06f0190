"""Load test: several instances on one PostgreSQL, a nudge wave, a flood of webhook updates,
and the leader killed with SIGKILL in the middle.

Run from the repository root (PostgreSQL required; the database is emptied, so its name must say
it is for benchmarks or tests)::

    python bench/bench_instances.py [--instances 3] [--people 5000] [--updates 10000]
        [--rate 300] [--database-url postgresql+asyncpg://postgres@127.0.0.1:5432/bench_instances]

What runs: the fake Bot API with Telegram's flood control (``--rate`` messages a second overall,
1 a second per chat, bursts as Telegram's) and ``--instances`` real ``daumoi run`` processes in
webhook mode on one database, each with ``SEND_RATE_LIMIT=--rate``. A plan of ``--people`` units,
each with a registered focal point; a broadcast to all of them is queued (the wave, as
``/thongbao`` queues it: one outbox row per focal point); meanwhile ``--updates`` people each send
one ``/dangky`` with a wrong code to the instances in turn (one in twenty delivered to two
instances, as a retrying proxy would), every one of which must be answered and recorded once.
When half the wave is delivered the leader is killed with SIGKILL; updates then sent to it go to
the next instance, as a proxy does.

Printed: wave delivered / lost / doubled; updates answered, lost, answered twice, with more than
one effect (refusals recorded per person); the most messages the fake received in any one second
against the limit, and its 429 answers; the leader hand-over time.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import itertools
import os
import signal
import socket
import sys
import tempfile
import time
from collections import Counter
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

if __package__ in (None, ""):
    sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import aiohttp  # noqa: E402
from sqlalchemy import text  # noqa: E402

from bench.bench_summary import plan_yaml  # noqa: E402
from bench.bench_updates import fresh_database, is_bench_database  # noqa: E402
from bot.fakeserver import FakeBotApi, FloodLimits  # noqa: E402

ROOT = Path(__file__).resolve().parents[1]
TOKEN = "123456:BENCH-instances"
SECRET = "bench-instances-secret"
LEADS = "now sends the reminders"
WAVE_TEXT = "Thông báo thử tải"
FIRST_PERSON = 100_000
FIRST_ASKER = 500_000


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


class Instance:
    """One `daumoi run` process in webhook mode."""

    def __init__(self, number: int, folder: Path) -> None:
        self.number = number
        self.port = _free_port()
        self.log = folder / f"instance-{number}.log"
        self.process: asyncio.subprocess.Process | None = None

    async def start(self, fake: FakeBotApi, env: dict[str, str]) -> None:
        """Start the process."""
        own = dict(env, WEB_LISTEN=f"127.0.0.1:{self.port}",
                   TELEGRAM_WEBHOOK_URL=f"http://127.0.0.1:{self.port}/telegram/webhook")
        self.process = await asyncio.create_subprocess_exec(
            sys.executable, "-m", "bot", "run", "--no-sandbox", cwd=self.log.parent, env=own,
            stdout=asyncio.subprocess.DEVNULL, stderr=open(self.log, "ab"),  # noqa: SIM115
        )

    def says(self, words: str) -> bool:
        """Whether the process logged `words`."""
        return self.log.exists() and words in self.log.read_text(errors="replace")

    @property
    def alive(self) -> bool:
        """Whether the process runs."""
        return self.process is not None and self.process.returncode is None

    async def stop(self) -> None:
        """SIGINT, then SIGKILL if it does not stop."""
        if self.alive:
            assert self.process is not None
            self.process.send_signal(signal.SIGINT)
            try:
                await asyncio.wait_for(self.process.wait(), 30)
            except TimeoutError:
                self.process.kill()
                await self.process.wait()


async def _until(condition, timeout: float, what: str) -> None:  # noqa: ANN001
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            raise SystemExit(f"timed out waiting for {what}")
        await asyncio.sleep(0.05)


async def prepare(url: str, plan_file: Path, people: int, event_date: date) -> None:
    """Migrate, load the plan and register one focal point per unit, straight into the DB."""
    from bot.app import Runtime
    from bot.domain.address import Address
    from bot.domain.records import FocalPoint, FocalPointRole
    from bot.plan import load_plan
    from bot.settings import Settings

    settings = Settings(_env_file=None, bot_token=TOKEN, database_url=url,  # type: ignore[call-arg]
                        plan_file=plan_file)
    plan = load_plan(plan_file, event_date=event_date)
    now = datetime.now(UTC)
    async with Runtime.open(settings, plan) as runtime:
        await runtime.load_plan()
        async with runtime.uow_factory() as uow:
            for index, unit in enumerate(plan.units[1:people + 1]):
                who = Address("telegram", str(FIRST_PERSON + index))
                await uow.focal_points.add(FocalPoint(
                    plan.id, unit.id, FocalPointRole.FOCAL_POINT, who, who,
                    f"Đầu mối {index}", "Chuyên viên", None, "vi", now, now))
            await uow.commit()


async def queue_wave(url: str, plan_id: str, people: int) -> None:
    """One broadcast row per focal point, as /thongbao queues them."""
    from bot.domain.address import Address
    from bot.domain.records import OutboxMessage
    from storage.db import create_engine
    from storage.uow import make_uow_factory

    engine = create_engine(url)
    now = datetime.now(UTC)
    try:
        async with make_uow_factory(engine)() as uow:
            for index in range(people):
                who = Address("telegram", str(FIRST_PERSON + index))
                await uow.outbox.enqueue(OutboxMessage(
                    key=f"broadcast:bench:{index}", kind="broadcast", address=who,
                    text_key="reminders.broadcast_message",
                    payload={"text": WAVE_TEXT, "sender": "Ban Thư ký"}, locale="vi",
                    due_at=now, created_at=now, recipient_unit_id=None, campaign_id=plan_id))
            await uow.commit()
    finally:
        await engine.dispose()


async def refusals(url: str) -> Counter[str]:
    """Refused codes recorded, per person."""
    from storage.db import create_engine

    engine = create_engine(url)
    try:
        async with engine.connect() as connection:
            rows = (await connection.execute(text(
                "SELECT actor FROM audit_log WHERE action = 'invite.refused'"))).all()
    finally:
        await engine.dispose()
    return Counter(actor for (actor,) in rows)


def update(number: int, user_id: int) -> dict:
    """A /dangky with a wrong code from one person."""
    sender = {"id": user_id, "is_bot": False, "first_name": f"Khách {number}"}
    return {"update_id": 1_000_000 + number, "message": {
        "message_id": number + 1, "date": int(time.time()), "text": f"/dangky SAI{number:05d}",
        "chat": {"id": user_id, "type": "private", "first_name": sender["first_name"]},
        "from": sender}}


async def post(session: aiohttp.ClientSession, instances: list[Instance], first: int,
               body: dict) -> bool:
    """Deliver to `first`, or, as a proxy does when it is down, to the next live one."""
    for offset in range(len(instances)):
        instance = instances[(first + offset) % len(instances)]
        if not instance.alive:
            continue
        with contextlib.suppress(aiohttp.ClientError, TimeoutError):
            async with session.post(
                    f"http://127.0.0.1:{instance.port}/telegram/webhook", json=body,
                    headers={"X-Telegram-Bot-Api-Secret-Token": SECRET}) as response:
                if response.status == 200:
                    return True
    return False


def busiest_second(times: list[float]) -> int:
    """The most events in any window of one second."""
    times = sorted(times)
    best, start = 0, 0
    for end, moment in enumerate(times):
        while moment - times[start] >= 1.0:
            start += 1
        best = max(best, end - start + 1)
    return best


async def run(args: argparse.Namespace) -> None:
    """Set up, run the wave and the flood, kill the leader, count."""
    url = args.database_url
    if not is_bench_database(url):
        raise SystemExit(f"refusing to empty {url}: its name must say bench or test")
    folder = Path(tempfile.mkdtemp(prefix="bench-instances-"))
    plan_file = folder / "plan.yaml"
    plan_file.write_text(plan_yaml(args.people + 1, 1), encoding="utf-8")
    event_date = date.today() + timedelta(days=5)  # the campaign runs now
    await fresh_database(url, folder)
    print(f"preparing {args.people} focal points ...", flush=True)
    await prepare(url, plan_file, args.people, event_date)
    limits = FloodLimits(overall_per_second=args.rate, overall_burst=int(args.rate))
    env = {k: v for k, v in os.environ.items()
           if k not in ("BOT_TOKEN", "DATABASE_URL", "ZALO_BOT_TOKEN", "ADMIN_IDS", "HEAD_IDS")}
    async with FakeBotApi(token=TOKEN, bot_username="daumoi_bench_bot",
                          flood_limits=limits, check_results=False) as fake:
        for index in range(args.people):
            fake.add_user(f"Đầu mối {index}", id=FIRST_PERSON + index)
        for index in range(args.updates):
            fake.add_user(f"Khách {index}", id=FIRST_ASKER + index)
        env.update(NO_PROXY="127.0.0.1,localhost", no_proxy="127.0.0.1,localhost",
                   BOT_TOKEN=TOKEN, TELEGRAM_API_URL=fake.url, PLAN_FILE=str(plan_file),
                   PLAN_EVENT_DATE=event_date.isoformat(), DATABASE_URL=url,
                   PYTHONPATH=str(ROOT), LOG_LEVEL="INFO", TELEGRAM_WEBHOOK_SECRET=SECRET,
                   QUIET_HOURS="off", SEND_RATE_LIMIT=str(args.rate),
                   LEADER_RETRY_SECONDS=str(args.retry))
        instances = [Instance(number, folder) for number in range(args.instances)]
        try:
            for instance in instances:
                await instance.start(fake, env)
                await _until(lambda i=instance: i.says("daumoi is running"), 120,
                             f"instance {instance.number}")
            leader = next(i for i in instances if i.says(LEADS))
            print(f"{args.instances} instances up; instance {leader.number} leads", flush=True)

            await queue_wave(url, "bench", args.people)
            started = time.monotonic()
            killed_at: float | None = None
            handover: float | None = None
            accepted = 0

            def wave_delivered() -> int:
                return len({m.chat_id for m in fake.sent_messages()
                            if m.chat_id < FIRST_ASKER and WAVE_TEXT in (m.text or "")})

            async with aiohttp.ClientSession() as session:
                turn = itertools.count()
                for start in range(0, args.updates, 50):
                    batch = []
                    for number in range(start, min(start + 50, args.updates)):
                        body = update(number, FIRST_ASKER + number)
                        where = next(turn)
                        batch.append(post(session, instances, where, body))
                        if number % 20 == 0:  # a retrying proxy: the same update elsewhere
                            batch.append(post(session, instances, where + 1, body))
                    accepted += sum(await asyncio.gather(*batch))
                    if killed_at is None and wave_delivered() >= args.people // 2:
                        assert leader.process is not None
                        leader.process.send_signal(signal.SIGKILL)
                        await leader.process.wait()
                        killed_at = time.monotonic()
                        print(f"killed the leader (instance {leader.number}) with SIGKILL",
                              flush=True)
                    if killed_at is not None and handover is None:
                        if any(i.says(LEADS) for i in instances if i is not leader):
                            handover = time.monotonic() - killed_at
            if killed_at is None:
                await _until(lambda: wave_delivered() >= args.people // 2, 600, "half the wave")
                assert leader.process is not None
                leader.process.send_signal(signal.SIGKILL)
                await leader.process.wait()
                killed_at = time.monotonic()
            if handover is None:
                await _until(lambda: any(i.says(LEADS) for i in instances if i is not leader),
                             120, "the hand-over")
                handover = time.monotonic() - killed_at

            def answered() -> int:
                return len({m.chat_id for m in fake.sent_messages() if m.chat_id >= FIRST_ASKER})

            with contextlib.suppress(SystemExit):
                await _until(lambda: wave_delivered() >= args.people
                             and answered() >= args.updates, args.settle, "everything")
            await asyncio.sleep(2)  # late duplicates show by now
            elapsed = time.monotonic() - started
        finally:
            for instance in instances:
                await instance.stop()
        sent = fake.sent_messages()
        wave = Counter(m.chat_id for m in sent
                       if m.chat_id < FIRST_ASKER and WAVE_TEXT in (m.text or ""))
        answers = Counter(m.chat_id for m in sent if m.chat_id >= FIRST_ASKER)
        sends = [c.time for c in fake.calls
                 if c.method.lower() in ("sendmessage", "sendphoto", "senddocument")
                 and c.status == 200]
        refused = fake.retry_after_count
    effects = await refusals(url)
    many_effects = sum(1 for count in effects.values() if count > 1)
    no_effect = args.updates - len(effects)
    print()
    print(f"instances {args.instances}, focal points {args.people}, updates {args.updates} "
          f"(+{len(range(0, args.updates, 20))} delivered twice), limit {args.rate:g} msg/s, "
          f"{elapsed:.0f} s")
    print(f"wave:    delivered {len(wave)}/{args.people}, lost {args.people - len(wave)}, "
          f"doubled {sum(1 for n in wave.values() if n > 1)}")
    print(f"updates: accepted {accepted}, answered {len(answers)}/{args.updates}, "
          f"unanswered {args.updates - len(answers)}, answered twice "
          f"{sum(1 for n in answers.values() if n > 1)}, no effect {no_effect}, "
          f"more than one effect {many_effects}")
    print(f"rate:    busiest second {busiest_second(sends)} messages (limit {args.rate:g}); "
          f"429 answers {refused}")
    print(f"leader:  hand-over {handover:.1f} s after SIGKILL (retry every {args.retry:g} s; "
          f"tick {30} s)")


def main() -> None:
    """Parse the arguments and run."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--instances", type=int, default=3)
    parser.add_argument("--people", type=int, default=5000)
    parser.add_argument("--updates", type=int, default=10000)
    parser.add_argument("--rate", type=float, default=300.0)
    parser.add_argument("--retry", type=float, default=5.0, help="LEADER_RETRY_SECONDS")
    parser.add_argument("--settle", type=float, default=600.0,
                        help="seconds to wait for everything to arrive")
    parser.add_argument("--database-url", default=os.environ.get(
        "BENCH_DATABASE_URL", "postgresql+asyncpg://postgres@127.0.0.1:5432/bench_instances"))
    asyncio.run(run(parser.parse_args()))


if __name__ == "__main__":
    main()
