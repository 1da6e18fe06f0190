"""Benchmark: updates per second through the fake Bot API to a polling python-telegram-bot.

Run from the repository root: ``python bench/bench_updates.py [-n 2000] [--users 50]``.
``measure`` takes any factory that builds a PTB Application for a base URL, so a real bot can be
measured next to the bare echo bot.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import datetime as dtm
import inspect
import itertools
import logging
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

from telegram import Update
from telegram.ext import (
    Application,
    ApplicationBuilder,
    CommandHandler,
    ContextTypes,
    MessageHandler,
)

if __package__ in (None, ""):
    # run as a script: make the repository root importable
    sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bot.fakeserver import FakeBotApi, FloodLimits  # noqa: E402

TOKEN = "123456:BENCH"
MESSAGES = ("/start", "/help", "Xin chào, tôi muốn đăng ký làm đầu mối")

AppFactory = Callable[[str], Application]


async def _echo(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    await update.effective_message.reply_text(update.effective_message.text or "?")


def echo_bot(base_url: str, *, concurrent: bool | int = False) -> Application:
    """Build a bare echo bot: every /start, /help and text gets one reply."""
    builder = ApplicationBuilder().token(TOKEN).base_url(base_url)
    app = builder.concurrent_updates(concurrent).build()
    app.add_handler(CommandHandler(["start", "help"], _echo))
    app.add_handler(MessageHandler(None, _echo))
    return app


async def measure(
    app_factory: AppFactory,
    n: int,
    *,
    users: int = 50,
    replies_per_update: int = 1,
    flood: FloodLimits | None = None,
    timeout: float = 300.0,
) -> float:
    """Push ``n`` updates to the app built by ``app_factory``; return updates per second.

    The clock runs from the first enqueued update to the last reply seen, where
    ``n * replies_per_update`` replies are expected.
    """
    async with FakeBotApi(check_results=False, flood_limits=flood) as api:
        app = app_factory(api.base_url)
        if inspect.isawaitable(app):
            app = await app
        people = [api.add_user(f"Người {i}") for i in range(users)]
        async with app:
            await app.start()
            await app.updater.start_polling(poll_interval=0, timeout=dtm.timedelta(seconds=10))
            await api.wait_for_poll()
            texts = itertools.cycle(MESSAGES)
            expected = n * replies_per_update
            started = time.perf_counter()
            for i in range(n):
                api.send_text(people[i % users], next(texts))
            await api.activity.wait_for(
                lambda: True if len(api.sent_messages()) >= expected else None, timeout
            )
            elapsed = time.perf_counter() - started
            await app.updater.stop()
            await app.stop()
        polls = len(api.calls_to("getUpdates"))
        print(
            f"    {n} updates, {len(api.sent_messages())} replies, {polls} getUpdates calls, "
            f"{api.retry_after_count} answers 429, {elapsed:.2f} s"
        )
        return n / elapsed


def daumoi_bot(stack: contextlib.AsyncExitStack, *, rate_limited: bool):  # noqa: ANN201
    """A factory for the real daumoi bot (Kon Tum plan, a fresh SQLite file) on a base URL."""
    from bot.app import Runtime, build_application
    from bot.plan import load_plan
    from bot.settings import Settings

    plan = load_plan(Path(__file__).resolve().parents[1] / "plans" / "kontum-2023.yaml")

    async def build(base_url: str) -> Application:
        folder = stack.enter_context(tempfile.TemporaryDirectory())
        settings = Settings(
            _env_file=None,
            bot_token=TOKEN,
            telegram_api_url=base_url.removesuffix("/bot"),
            database_url=f"sqlite+aiosqlite:///{folder}/bench.sqlite3",
        )
        runtime = await stack.enter_async_context(Runtime.open(settings, plan))
        await runtime.load_plan()
        return build_application(runtime, rate_limited=rate_limited)

    return build


async def main(argv: list[str] | None = None) -> None:
    """Measure the echo bot, sequential and with concurrent updates, and print the figures."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("-n", type=int, default=2000, help="updates to push")
    parser.add_argument("--users", type=int, default=50, help="distinct users sending them")
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.WARNING)
    rates: dict[str, float] = {}
    async with contextlib.AsyncExitStack() as stack:
        bots: dict[str, AppFactory] = {
            "echo bot (sequential)": echo_bot,
            "daumoi (sequential, no rate limiter)": daumoi_bot(stack, rate_limited=False),
            "daumoi (as deployed, AIORateLimiter 30 msg/s)": daumoi_bot(stack, rate_limited=True),
        }
        for name, factory in bots.items():
            print(f"{name}:")
            count = args.n if "30 msg/s" not in name else min(args.n, 300)
            rates[name] = await measure(factory, count, users=args.users)
            print(f"    {rates[name]:.0f} updates/s")
    echo = rates["echo bot (sequential)"]
    for name, rate in rates.items():
        print(f"ratio {name} / echo: {rate / echo:.2f}")


if __name__ == "__main__":
    asyncio.run(main())
