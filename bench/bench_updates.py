"""Benchmark: updates per second, the bare python-telegram-bot echo bot next to daumoi.

Run from the repository root::

    python bench/bench_updates.py [-n 1000] [--rounds 5] [--users 50]
        [--database-url postgresql+asyncpg://postgres@127.0.0.1:5432/bench_test]

The bots poll the same kind of fake Bot API server over HTTP, in interleaved rounds, so all see
the same machine load; the medians of the rounds and the ratio to the bare echo bot are printed.
The bare echo bot runs PTB as shipped (httpx). daumoi carries PTB's calls over aiohttp
(`bot.channels.telegram.transport`), so the same echo bot on aiohttp is measured too, to show
what the transport alone is worth and what daumoi's own work costs beside it.
daumoi runs as deployed (`bot.app.running_bot`): updates stored in the
durable inbox before they are confirmed, the outbox worker and the ticker running, PTB's
AIORateLimiter in place (its overall rate raised so that the limiter never waits: the bench
measures the bot, not Telegram's 30 msg/s). Each daumoi round starts on a freshly migrated
database: a new SQLite file by default; with --database-url pointing at PostgreSQL, its public
schema is dropped and recreated, so only a database whose name says it is for tests or
benchmarks (`bench`, `speed_test`, …) is accepted.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import datetime as dtm
import itertools
import logging
import re
import resource
import statistics
import sys
import tempfile
import time
from collections.abc import AsyncIterator, Callable
from pathlib import Path
from typing import Any

from telegram import Update
from telegram.ext import ApplicationBuilder, CommandHandler, ContextTypes, MessageHandler

if __package__ in (None, ""):
    # run as a script: make the repository root importable
    sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bot.fakeserver import FakeBotApi  # noqa: E402

TOKEN = "123456:BENCH"
# The mix: a greeting, the help, and free text from someone in no conversation.
MESSAGES = ("/start", "/help", "Xin chào, tôi muốn đăng ký làm đầu mối")
ROOT = Path(__file__).resolve().parents[1]

# Starts a bot polling the fake server at the given URL, for as long as the context is open.
Runner = Callable[[FakeBotApi], contextlib.AbstractAsyncContextManager[None]]


async def _echo(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    await update.effective_message.reply_text(update.effective_message.text or "?")


def echo_bot(api: FakeBotApi) -> contextlib.AbstractAsyncContextManager[None]:
    """The bare echo bot: PTB's own Updater and transport (httpx); every /start, /help and
    text gets one reply."""
    return _echo_app(ApplicationBuilder().token(TOKEN).base_url(api.base_url))


def echo_bot_aiohttp(api: FakeBotApi) -> contextlib.AbstractAsyncContextManager[None]:
    """The same echo bot on daumoi's transport (aiohttp): what the transport alone is worth."""
    from bot.channels.telegram.transport import AiohttpRequest

    return _echo_app(ApplicationBuilder().token(TOKEN).base_url(api.base_url)
                     .request(AiohttpRequest(256)).get_updates_request(AiohttpRequest(1)))


@contextlib.asynccontextmanager
async def _echo_app(builder: Any) -> AsyncIterator[None]:
    app = builder.build()
    app.add_handler(CommandHandler(["start", "help"], _echo))
    app.add_handler(MessageHandler(None, _echo))
    async with app:
        await app.start()
        assert app.updater is not None
        await app.updater.start_polling(poll_interval=0, timeout=dtm.timedelta(seconds=10))
        try:
            yield
        finally:
            await app.updater.stop()
            await app.stop()


def is_bench_database(url: str) -> bool:
    """Whether a PostgreSQL database's name says it may be emptied (tests, benchmarks)."""
    from sqlalchemy.engine import make_url

    name = make_url(url).database or ""
    return re.search(r"(^|[_-])(tests?|bench\w*)([_-]|$)", name) is not None


async def fresh_database(url: str | None, folder: Path) -> str:
    """A URL of an empty database for one round (a new SQLite file, or PG's schema reset)."""
    if url is None or url.startswith("sqlite"):
        path = folder / f"bench-{time.monotonic_ns()}.sqlite3"
        return f"sqlite+aiosqlite:///{path}"
    from storage.db import empty_public_schema

    await empty_public_schema(url)
    return url


def daumoi_bot(database_url: str | None, folder: Path) -> Runner:
    """The real daumoi bot as deployed (Kon Tum plan), on a fresh database each round."""
    from bot.app import Runtime, running_bot
    from bot.plan import load_plan
    from bot.settings import Settings

    plan = load_plan(ROOT / "plans" / "kontum-2023.yaml")

    @contextlib.asynccontextmanager
    async def run(api: FakeBotApi) -> AsyncIterator[None]:
        settings = Settings(
            _env_file=None,  # type: ignore[call-arg]
            bot_token=TOKEN,
            telegram_api_url=api.url,
            database_url=await fresh_database(database_url, folder),
            send_rate_limit=100_000,
        )
        async with Runtime.open(settings, plan) as runtime:
            await runtime.load_plan()
            async with running_bot(runtime):
                yield

    return run


def _cpu_seconds() -> float:
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


async def measure(runner: Runner, n: int, *, users: int = 50, timeout: float = 300.0,
                  cpu: list[float] | None = None) -> float:
    """Push ``n`` updates to the bot started by ``runner``; return updates per second.

    The clock runs from the first update enqueued to the last of the ``n`` replies seen; the
    process's CPU milliseconds per update over the same span are appended to ``cpu``.
    """
    async with FakeBotApi(token=TOKEN, check_results=False) as api:
        people = [api.add_user(f"Người {i}") for i in range(users)]
        async with runner(api):
            await api.wait_for_poll()
            texts = itertools.cycle(MESSAGES)
            started, cpu_started = time.perf_counter(), _cpu_seconds()
            for i in range(n):
                api.send_text(people[i % users], next(texts))
            # new_seq(): how many messages were sent, without listing them at every check.
            await api.activity.wait_for(lambda: True if api.new_seq() >= n else None, timeout)
            elapsed = time.perf_counter() - started
            if cpu is not None:
                cpu.append((_cpu_seconds() - cpu_started) * 1000 / n)
        return n / elapsed


async def compare(runners: dict[str, Runner], n: int, rounds: int, users: int
                  ) -> tuple[dict[str, float], dict[str, float]]:
    """Interleaved rounds of every runner, printed as they go; the median rate of each, and
    the median CPU milliseconds per update (steadier than rates on a busy machine)."""
    rates: dict[str, list[float]] = {name: [] for name in runners}
    cpu: dict[str, list[float]] = {name: [] for name in runners}
    for round_no in range(1, rounds + 1):
        # Alternate who goes first, so neither bot always runs on a warmer machine.
        order = list(runners) if round_no % 2 else list(reversed(runners))
        for name in order:
            rate = await measure(runners[name], n, users=users, cpu=cpu[name])
            rates[name].append(rate)
            print(f"  round {round_no}: {name:8} {rate:7.0f} updates/s, "
                  f"{cpu[name][-1]:.2f} ms CPU each", flush=True)
    return ({name: statistics.median(values) for name, values in rates.items()},
            {name: statistics.median(values) for name, values in cpu.items()})


def _installed(module: str) -> str:
    try:
        __import__(module)
    except ImportError:
        return "no"
    return "yes"


async def main(argv: list[str] | None = None) -> dict[str, Any]:
    """Measure both bots side by side and print their rates and the ratio."""
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("-n", type=int, default=1000, help="updates per round (default 1000)")
    parser.add_argument("--rounds", type=int, default=5, help="rounds per bot (default 5)")
    parser.add_argument("--users", type=int, default=50, help="distinct users sending them")
    parser.add_argument("--database-url", default=None,
                        help="daumoi's database (default: a new SQLite file per round); a "
                        "PostgreSQL database is emptied, so its name must contain test or bench")
    args = parser.parse_args(argv)
    if args.database_url and not args.database_url.startswith("sqlite"):
        if not is_bench_database(args.database_url):
            parser.error("--database-url: the database is emptied each round; use one named "
                         "like bench or speed_test")
    logging.basicConfig(level=logging.WARNING)
    backend = "SQLite file" if not args.database_url or args.database_url.startswith(
        "sqlite") else "PostgreSQL"
    print(f"daumoi as deployed: durable inbox, outbox worker and ticker running, "
          f"AIORateLimiter (rate raised); database: {backend}")
    print(f"mix: {', '.join(MESSAGES)}; {args.n} updates per round from {args.users} users, "
          f"{args.rounds} interleaved rounds; sniffio installed: {_installed('sniffio')}")
    with tempfile.TemporaryDirectory() as folder:
        runners = {"echo": echo_bot, "echo-aio": echo_bot_aiohttp,
                   "daumoi": daumoi_bot(args.database_url, Path(folder))}
        medians, cpu = await compare(runners, args.n, args.rounds, args.users)
    ratio = medians["daumoi"] / medians["echo"]
    print("medians (CPU: the whole process, the fake server's share included, per update):")
    for name, label in (("echo", "echo bot (PTB as shipped, httpx)"),
                        ("echo-aio", "echo bot on aiohttp (daumoi's transport)"),
                        ("daumoi", "daumoi (aiohttp)")):
        print(f"  {label:42} {medians[name]:6.0f} updates/s  {cpu[name]:.2f} ms CPU")
    print(f"ratio daumoi / echo: {ratio:.2f} ({backend}); by CPU: "
          f"{cpu['echo'] / cpu['daumoi']:.2f}; daumoi / echo on aiohttp: "
          f"{medians['daumoi'] / medians['echo-aio']:.2f}")
    return {**medians, "ratio": ratio, "cpu": cpu}


if __name__ == "__main__":
    asyncio.run(main())
