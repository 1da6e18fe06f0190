"""Benchmark: one deadline nudge to 5,000 focal points through the fake Bot API, flood control on.

Run from the repository root: ``python bench/bench_nudges.py [-n 5000] [--scale 4]``.

The plan is the Kon Tum one with its units replaced by ``n`` synthetic units, each with one task
under the report deadline and a registered focal point. At T-1d 08:00 the real reminder service
computes the nudges, queues them in the outbox and the real dispatcher sends them through the
real python-telegram-bot Application to the fake server. Telegram's limits (30 messages/s
overall, 1/s per chat, 20/min per group) are multiplied by ``--scale`` on both sides, the fake's
flood control and the bot's SEND_RATE_LIMIT (``--scale 10``: 300 messages/s). The fake server
runs in a process of its own, so that the bot has a core to itself as it would against
Telegram (``--same-process`` puts it back in the bot's event loop, to see what that costs).
Printed: the messages delivered, duplicates, 429 answers received, and the achieved rate
against the limit; the target is every message once at >= 95 % of the limit.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import dataclasses
import logging
import multiprocessing
import sys
import tempfile
import time
from collections import Counter
from collections.abc import AsyncIterator
from datetime import datetime
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

if __package__ in (None, ""):
    # run as a script: make the repository root importable
    sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bot.app import FIRST_TICK_AFTER_S, Runtime, running_bot  # noqa: E402
from bot.domain.address import Address  # noqa: E402
from bot.domain.plan import Deadline, DeadlineKind, Plan, Task, Unit  # noqa: E402
from bot.domain.records import FocalPoint, FocalPointRole  # noqa: E402
from bot.fakeserver import FakeBotApi, FloodLimits  # noqa: E402
from bot.plan import load_plan  # noqa: E402
from bot.services.clock import FixedClock  # noqa: E402
from bot.settings import Settings  # noqa: E402

TOKEN = "123456:BENCH-nudges"
ROOT = Path(__file__).resolve().parents[1]
VN = ZoneInfo("Asia/Ho_Chi_Minh")
DEADLINE = "bao-cao-don-vi"
ADMIN_ID = 900001
TARGET_RATIO = 0.95  # of the limit, with every message delivered once


def synthetic_plan(units: int) -> Plan:
    """The Kon Tum plan with `units` units, each owing one report by 15/12/2023 17:00."""
    plan = load_plan(ROOT / "plans" / "kontum-2023.yaml")
    secretariat = plan.unit(plan.secretariat)
    ids = [f"don-vi-{number:05d}" for number in range(1, units + 1)]
    report = next(d for d in plan.deadlines if d.id == DEADLINE)
    return dataclasses.replace(
        plan,
        units=(secretariat, *(Unit(i, f"Đơn vị {i}", i, True) for i in ids)),
        tasks=tuple(Task(f"nv-{i}", i, (), ("trong",), "Báo cáo kết quả tuyên truyền",
                         deadline=DEADLINE) for i in ids),
        deadlines=(Deadline(DEADLINE, report.title, report.due, DeadlineKind.REPORT,
                            tuple(ids)),),
    )


def _serve(connection: Any, units: int, scale: float) -> None:
    """The fake Bot API in its own process: report its address and users, serve until asked,
    then hand back the successful sendMessage calls (chat, time) and the 429s it answered."""
    asyncio.run(_serve_async(connection, units, scale))


async def _serve_async(connection: Any, units: int, scale: float) -> None:
    async with FakeBotApi(token=TOKEN, bot_username="daumoi_bench_bot",
                          flood_limits=FloodLimits(scale=scale), check_results=False) as api:
        api.add_user("Thư ký", id=ADMIN_ID)
        people = [api.add_user(f"Đầu mối {n}").id for n in range(units)]
        connection.send((api.url, people))
        await asyncio.get_running_loop().run_in_executor(None, connection.recv)
        sends = [(c.params.get("chat_id"), c.time) for c in api.calls_to("sendMessage")
                 if c.ok]
        connection.send((sends, api.retry_after_count))


@contextlib.asynccontextmanager
async def fake_api(units: int, scale: float, same_process: bool) -> AsyncIterator[Any]:
    """(url, user ids, a coroutine function returning the sends and the 429 count)."""
    if same_process:
        async with FakeBotApi(token=TOKEN, bot_username="daumoi_bench_bot",
                              flood_limits=FloodLimits(scale=scale),
                              check_results=False) as api:
            api.add_user("Thư ký", id=ADMIN_ID)
            people = [api.add_user(f"Đầu mối {n}").id for n in range(units)]

            async def report() -> tuple[list[tuple[Any, float]], int]:
                sends = [(c.params.get("chat_id"), c.time) for c in api.calls_to("sendMessage")
                         if c.ok]
                return sends, api.retry_after_count

            yield api.url, people, report
        return
    context = multiprocessing.get_context("spawn")
    ours, theirs = context.Pipe()
    process = context.Process(target=_serve, args=(theirs, units, scale), daemon=True)
    process.start()
    loop = asyncio.get_running_loop()
    try:
        url, people = await loop.run_in_executor(None, ours.recv)

        async def report() -> tuple[list[tuple[Any, float]], int]:
            ours.send("report")
            return await loop.run_in_executor(None, ours.recv)  # type: ignore[no-any-return]

        yield url, people, report
    finally:
        process.join(timeout=10)
        if process.is_alive():
            process.terminate()


async def run(units: int, scale: float, same_process: bool = False) -> dict[str, Any]:
    """Send the nudges and return the figures."""
    limit = 30.0 * scale
    plan = synthetic_plan(units)
    clock = FixedClock(datetime(2023, 12, 13, 9, 0, tzinfo=VN))
    with tempfile.TemporaryDirectory() as folder:
        async with fake_api(units, scale, same_process) as (url, people, report):
            settings = Settings(
                _env_file=None,  # type: ignore[call-arg]
                bot_token=TOKEN,
                telegram_api_url=url,
                database_url=f"sqlite+aiosqlite:///{folder}/bench.sqlite3",
                admin_ids=frozenset({ADMIN_ID}),
                send_rate_limit=limit,
                reminder_tick_seconds=3600,
            )
            async with Runtime.open(settings, plan, clock) as runtime:
                started = time.perf_counter()
                await runtime.load_plan()
                async with runtime.uow_factory() as uow:
                    for unit, person in zip(plan.units[1:], people, strict=True):
                        address = Address("telegram", str(person))
                        await uow.focal_points.add(FocalPoint(
                            plan.id, unit.id, FocalPointRole.FOCAL_POINT, address, address,
                            "Nguyễn Văn A", "Chuyên viên", None, "vi", clock.now(), clock.now()))
                    await uow.commit()
                setup = time.perf_counter() - started
                async with running_bot(runtime) as running:
                    # Startup work settled first: the seeded people's menus (published once,
                    # then remembered in bot_state) and the ticker's first tick, before T-1d.
                    assert running.telegram is not None
                    await running.telegram.menus_published()
                    await asyncio.sleep(FIRST_TICK_AFTER_S + 0.5)
                    # The bot's side scaled as the fake's: Telegram's published rates (30/s
                    # overall, 1/s per chat, 20/min per group) times `scale`.
                    pacer = runtime.services.outbox.pacer("telegram")
                    assert pacer is not None
                    pacer.pacing = pacer.pacing.scaled(scale)
                    clock.set(datetime(2023, 12, 14, 8, 0, tzinfo=VN))  # T-1d
                    started, cpu = time.perf_counter(), time.process_time()
                    result = await runtime.tick()
                    elapsed = time.perf_counter() - started
                    cpu = time.process_time() - cpu
                    counts = await runtime.services.outbox.counts()
            sends, answers_429 = await report()
    nudges = sorted((when, chat) for chat, when in sends if chat != ADMIN_ID)
    per_chat = Counter(chat for _when, chat in nudges)
    first, last = nudges[0][0], nudges[-1][0]
    rate = (len(nudges) - 1) / (last - first) if last > first else float("inf")
    return {
        "units": units,
        "queued": result.queued,
        "delivered": len(per_chat),
        "duplicates": sum(count - 1 for count in per_chat.values()),
        "answers_429": answers_429,
        "outbox": {k: v for k, v in counts.items() if v},
        "limit_per_s": limit,
        "rate_per_s": rate,
        "ratio": rate / limit,
        "tick_s": elapsed,
        "cpu_ms": 1000 * cpu / max(len(nudges), 1),
        "setup_s": setup,
    }


def main(argv: list[str] | None = None) -> int:
    """Run the benchmark and print its figures; exit 1 if the target is missed."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("-n", type=int, default=5000, help="focal points to nudge")
    parser.add_argument("--scale", type=float, default=10.0,
                        help="multiply Telegram's limits (fake and bot) by this (10: 300/s)")
    parser.add_argument("--same-process", action="store_true",
                        help="run the fake server in the bot's event loop")
    parser.add_argument("--profile", type=Path, help="write the bot process's cProfile here")
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.WARNING)
    if args.profile:
        import cProfile

        with cProfile.Profile() as profile:
            figures = asyncio.run(run(args.n, args.scale, args.same_process))
        profile.dump_stats(args.profile)
    else:
        figures = asyncio.run(run(args.n, args.scale, args.same_process))
    print(f"focal points           {figures['units']:>8}")
    print(f"nudges queued          {figures['queued']:>8}")
    print(f"delivered (distinct)   {figures['delivered']:>8}")
    print(f"duplicates             {figures['duplicates']:>8}")
    print(f"429 answers received   {figures['answers_429']:>8}")
    print(f"outbox rows by status  {figures['outbox']}")
    print(f"limit (msg/s)          {figures['limit_per_s']:>8.1f}")
    print(f"achieved (msg/s)       {figures['rate_per_s']:>8.1f}")
    print(f"ratio of the limit     {figures['ratio']:>8.1%}")
    print(f"tick (compute + send)  {figures['tick_s']:>7.1f} s"
          f"   (setup {figures['setup_s']:.1f} s)")
    print(f"bot CPU per message    {figures['cpu_ms']:>7.2f} ms  (the bot process alone; "
          f"{1000 / max(figures['cpu_ms'], 1e-6):.0f} msg/s would use a whole core)")
    ok = (figures["delivered"] == args.n and figures["duplicates"] == 0
          and figures["ratio"] >= TARGET_RATIO)
    print("target met" if ok else "TARGET MISSED")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
