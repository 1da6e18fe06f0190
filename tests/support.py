"""Test helpers: a person talking to the bot through the fake Bot API server."""

from __future__ import annotations

import contextlib
from collections.abc import AsyncIterator
from dataclasses import dataclass
from typing import Any

from bot.domain.address import Address
from bot.fakeserver import FakeBotApi
from bot.texts import t

WAIT = 10.0


@dataclass
class Person:
    """A Telegram user of the fake server, with helpers to talk and to read answers."""

    api: FakeBotApi
    user: Any

    @property
    def id(self) -> int:
        """The user's id (also their private chat's id)."""
        return int(self.user.id if hasattr(self.user, "id") else self.user["id"])

    async def reply(self, timeout: float = WAIT) -> Any:
        """The bot's next message to this person."""
        return await self.api.wait_for_message(self.id, timeout=timeout)

    async def say(self, text: str) -> Any:
        """Send a text and return the bot's next message."""
        self.api.send_text(self.user, text)
        return await self.reply()

    async def silence(self) -> None:
        """Wait until the bot is idle again (its long poll is waiting)."""
        await self.api.wait_for_poll()


@dataclass
class Talk:
    """The running bot: the fake server and the runtime behind it."""

    api: FakeBotApi
    runtime: Any


def plain(key: str, locale: str = "vi", /, **values: object) -> str:
    """A catalogue text as Telegram shows it: HTML tags stripped, entities unescaped."""
    import html
    import re

    return html.unescape(re.sub(r"<[^>]+>", "", t(key, locale, **values)))


def tg(ident: object) -> Address:
    """The address of a Telegram user or chat id."""
    return Address("telegram", str(ident))


def help_text(role: object, locale: str = "vi", *, private: bool = True,
              parent: bool = False) -> str:
    """What `/huongdan` shows a person of `role` (a `Role`), as Telegram shows it; `parent`:
    a member whose unit consolidates its children's reports."""
    from handlers.common import help_values

    key, values = help_values(role, private=private, parent=parent)  # type: ignore[arg-type]
    return plain(key, locale, **values)


@contextlib.asynccontextmanager
async def open_runtime(settings: Any, plan: Any, clock: Any) -> AsyncIterator[Any]:
    """Database and services for `plan`, loaded; the catalogue's plan words reset after."""
    from bot.app import Runtime
    from bot.texts import use_vocabulary

    async with Runtime.open(settings, plan, clock) as opened:
        await opened.load_plan()
        yield opened
    use_vocabulary()  # the next runtime says its own plan's words


@contextlib.asynccontextmanager
async def running_without_errors(runtime: Any) -> AsyncIterator[Any]:
    """The real bot running on `runtime`; on leaving, asserts that no handler raised."""
    from bot.app import running_bot

    async with running_bot(runtime) as application:
        errors: list[BaseException] = []

        async def record(update: object, context: object) -> None:
            errors.append(context.error)  # type: ignore[attr-defined]

        application.add_error_handler(record)
        yield application
        assert errors == [], errors


def broadcast_row(key: str, chat: int, n: int, now: Any) -> Any:
    """Queued broadcast line number `n` to a Telegram chat, due now (outbox tests)."""
    from bot.domain.records import OutboxMessage

    return OutboxMessage(
        key=key, kind="broadcast", address=Address("telegram", str(chat)),
        text_key="reminders.unit_line", payload={"n": n, "unit": "x"}, locale="vi",
        due_at=now, created_at=now)
