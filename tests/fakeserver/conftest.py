"""Fixtures: a fake Bot API server and the real python-telegram-bot pointed at it."""

from __future__ import annotations

import datetime as dtm
from collections.abc import AsyncIterator, Iterable
from contextlib import asynccontextmanager

import pytest
from telegram.ext import Application, ApplicationBuilder, BaseHandler, ContextTypes

from bot.fakeserver import FakeBotApi

TOKEN = "123456:TEST-token"


@pytest.fixture(autouse=True)
def _environment(monkeypatch: pytest.MonkeyPatch) -> None:
    # httpx honours proxy variables; loopback traffic must never go through one
    for name in ("NO_PROXY", "no_proxy"):
        monkeypatch.setenv(name, "127.0.0.1,localhost")
    # opt into PTB's timedelta durations early, which also silences its deprecation warnings
    monkeypatch.setenv("PTB_TIMEDELTA", "1")


@pytest.fixture
async def api() -> AsyncIterator[FakeBotApi]:
    async with FakeBotApi(token=TOKEN) as server:
        yield server
        assert server.result_problems == []


def build_app(api: FakeBotApi, token: str = TOKEN) -> Application:
    return (
        ApplicationBuilder()
        .token(token)
        .base_url(api.base_url)
        .base_file_url(api.base_file_url)
        .build()
    )


@pytest.fixture
async def app(api: FakeBotApi) -> AsyncIterator[Application]:
    """An initialized application that does not poll: for calling Bot methods directly."""
    application = build_app(api)
    async with application:
        yield application


class Errors:
    """Exceptions raised in handlers, collected by an error handler."""

    def __init__(self) -> None:
        self.items: list[BaseException] = []

    async def __call__(self, update: object, context: ContextTypes.DEFAULT_TYPE) -> None:
        self.items.append(context.error)


@asynccontextmanager
async def polling_bot(
    api: FakeBotApi,
    handlers: Iterable[BaseHandler],
    *,
    timeout: float = 1,
    errors: Errors | None = None,
) -> AsyncIterator[Application]:
    """Run a PTB application that long-polls the fake, with the given handlers."""
    application = build_app(api)
    collected = errors if errors is not None else Errors()
    application.add_error_handler(collected)
    for handler in handlers:
        application.add_handler(handler)
    async with application:
        await application.start()
        await application.updater.start_polling(
            poll_interval=0, timeout=dtm.timedelta(seconds=timeout)
        )
        try:
            yield application
        finally:
            await application.updater.stop()
            await application.stop()
    if errors is None:
        assert collected.items == []


def seconds(value: int | dtm.timedelta) -> float:
    """Normalise PTB's int-or-timedelta time periods."""
    return value.total_seconds() if isinstance(value, dtm.timedelta) else float(value)
