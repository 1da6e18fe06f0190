"""Telegram's semantic limits (text, markup, commands) and flood control."""

from __future__ import annotations

import math
import re
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

from .spec import bad_request

MAX_TEXT_LENGTH = 4096
MAX_CAPTION_LENGTH = 1024
MAX_COMMANDS = 100
MAX_INLINE_BUTTONS = 100
_COMMAND_RE = re.compile(r"[a-z0-9_]{1,32}")
_BUTTON_URL_RE = re.compile(r"(https?|tg)://\S+", re.IGNORECASE)

INLINE_ACTIONS = (
    "url",
    "callback_data",
    "web_app",
    "login_url",
    "switch_inline_query",
    "switch_inline_query_current_chat",
    "switch_inline_query_chosen_chat",
    "copy_text",
    "callback_game",
    "pay",
)
#: Reply-keyboard button kinds Telegram allows in private chats only, with its refusal.
PRIVATE_ONLY_BUTTONS = {
    "request_contact": "phone number can be requested in private chats only",
    "request_location": "location can be requested in private chats only",
    "request_users": "users can be requested in private chats only",
    "request_chat": "chat can be requested in private chats only",
    "request_managed_bot": "bots can be requested in private chats only",
    "web_app": "web app buttons can be used in private chats only",
}
REPLY_ACTIONS = (*PRIVATE_ONLY_BUTTONS, "request_poll")

#: Methods that send or change a message, and so count against flood limits.
FLOOD_METHODS = frozenset(
    {
        "sendmessage",
        "sendphoto",
        "senddocument",
        "editmessagetext",
        "editmessagecaption",
        "editmessagereplymarkup",
    }
)


def check_text(text: str) -> None:
    """Reject message text that is empty or longer than 4096 characters after parsing."""
    if not text:
        raise bad_request("message text is empty")
    if len(text) > MAX_TEXT_LENGTH:
        raise bad_request("message is too long")


def check_caption(caption: str) -> None:
    """Reject a caption longer than 1024 characters after parsing."""
    if len(caption) > MAX_CAPTION_LENGTH:
        raise bad_request("message caption is too long")


def check_reply_markup(markup: Mapping[str, Any], chat_type: str) -> None:
    """Apply the rules on keyboards that the spec's types cannot express."""
    if "inline_keyboard" in markup:
        _check_inline_keyboard(markup["inline_keyboard"])
    elif "keyboard" in markup:
        _check_reply_keyboard(markup["keyboard"], chat_type)


def _check_inline_keyboard(rows: list[list[dict[str, Any]]]) -> None:
    if sum(len(row) for row in rows) > MAX_INLINE_BUTTONS:
        raise bad_request("REPLY_MARKUP_TOO_LONG")
    for row in rows:
        for button in row:
            actions = [a for a in INLINE_ACTIONS if button.get(a) is not None]
            if not actions:
                raise bad_request("Text buttons are not allowed in the inline keyboard")
            if len(actions) > 1:
                raise bad_request(
                    "can't parse inline keyboard button: exactly one of the optional fields "
                    f"must be used, found {', '.join(actions)}"
                )
            url = button.get("url")
            if url is not None and not _BUTTON_URL_RE.fullmatch(url):
                raise bad_request(f"inline keyboard button URL '{url}' is invalid: Wrong HTTP URL")


def _check_reply_keyboard(rows: list[list[dict[str, Any]]], chat_type: str) -> None:
    for row in rows:
        for button in row:
            actions = [a for a in REPLY_ACTIONS if button.get(a) not in (None, False)]
            if len(actions) > 1:
                raise bad_request(
                    f"can't parse keyboard button: only one of {', '.join(actions)} can be used"
                )
            if actions and chat_type != "private" and actions[0] in PRIVATE_ONLY_BUTTONS:
                raise bad_request(PRIVATE_ONLY_BUTTONS[actions[0]])


def check_commands(commands: list[dict[str, Any]]) -> None:
    """Apply setMyCommands' rules: at most 100, names ``[a-z0-9_]{1,32}``, descriptions 1-256."""
    if len(commands) > MAX_COMMANDS:
        raise bad_request("BOT_COMMANDS_TOO_MUCH")
    for command in commands:
        if not _COMMAND_RE.fullmatch(command["command"]):
            raise bad_request("BOT_COMMAND_INVALID")
        if not 1 <= len(command["description"].strip()) <= 256:
            raise bad_request("BOT_COMMAND_DESCRIPTION_INVALID")


@dataclass(frozen=True)
class FloodLimits:
    """Flood-control rates; ``scale`` multiplies every rate (bursts stay as they are)."""

    overall_per_second: float = 30.0
    overall_burst: int = 30
    chat_per_second: float = 1.0
    chat_burst: int = 3
    group_per_minute: float = 20.0
    group_burst: int = 20
    scale: float = 1.0
    methods: frozenset[str] = field(default=FLOOD_METHODS)


@dataclass
class _Bucket:
    rate: float  # tokens per second
    capacity: float
    tokens: float
    updated: float

    def wait_time(self, now: float) -> float:
        self.tokens = min(self.capacity, self.tokens + (now - self.updated) * self.rate)
        self.updated = now
        return 0.0 if self.tokens >= 1 else (1 - self.tokens) / self.rate


class FloodControl:
    """Token buckets per chat, per group and overall, answering how long to wait."""

    def __init__(
        self, limits: FloodLimits, monotonic: Callable[[], float] = time.monotonic
    ) -> None:
        self.limits = limits
        self._monotonic = monotonic
        self._buckets: dict[tuple[str, int | str], _Bucket] = {}

    def applies_to(self, method: str) -> bool:
        """Return True if calls of ``method`` are rate limited."""
        return method.lower() in self.limits.methods

    def _bucket(self, key: tuple[str, int | str], rate: float, burst: int, now: float) -> _Bucket:
        bucket = self._buckets.get(key)
        if bucket is None:
            bucket = _Bucket(rate * self.limits.scale, burst, burst, now)
            self._buckets[key] = bucket
        return bucket

    def acquire(self, chat_id: int | str, is_group: bool) -> int | None:
        """Take a token for a message to ``chat_id``; return retry_after seconds if refused."""
        now = self._monotonic()
        lim = self.limits
        buckets = [
            self._bucket(("all", 0), lim.overall_per_second, lim.overall_burst, now),
            self._bucket(("chat", chat_id), lim.chat_per_second, lim.chat_burst, now),
        ]
        if is_group:
            rate = lim.group_per_minute / 60
            buckets.append(self._bucket(("group", chat_id), rate, lim.group_burst, now))
        wait = max(b.wait_time(now) for b in buckets)
        if wait > 0:
            return max(1, math.ceil(wait))
        for bucket in buckets:
            bucket.tokens -= 1
        return None
