"""Zalo events: normalising every payload shape seen in the wild into ``ZaloEvent``.

Zalo documents a webhook body wrapped as ``{"ok": true, "result": {event_name, message}}``, but
live traffic also arrives unwrapped, and defensive callers see lists. Field names drift too:
the image URL comes as ``photo_url`` (live) or ``photo`` (docs), the sender name as
``display_name``, ``first_name`` or ``name``. ``date`` is in milliseconds.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

log = logging.getLogger(__name__)

NAME_KEYS = ("display_name", "first_name", "name")
PHOTO_KEYS = ("photo_url", "photo")
SECONDS_BELOW = 10**11  # a date under this is in seconds, not milliseconds (defensive)


@dataclass(frozen=True)
class ZaloEvent:
    """One inbound Zalo event, normalised; ``raw`` keeps the message dict as received."""

    event_name: str
    message_id: str
    sender_id: str
    sender_name: str
    chat_id: str
    chat_type: str  # "PRIVATE" or "GROUP"
    text: str | None = None
    photo_url: str | None = None
    caption: str | None = None
    sticker: str | None = None
    date: datetime | None = None
    is_bot: bool = False
    raw: dict[str, Any] = field(default_factory=dict, compare=False, hash=False)

    @property
    def dedupe_key(self) -> str:
        """Return ``event_name:message_id``, the key to drop redelivered events by."""
        return f"{self.event_name}:{self.message_id}"

    @property
    def is_group(self) -> bool:
        """Return True for a group chat."""
        return self.chat_type == "GROUP"


def _entries(body: Any) -> Iterator[Any]:
    """Yield candidate ``{event_name, message}`` dicts from any accepted shape."""
    if isinstance(body, list):
        for item in body:
            yield from _entries(item)
    elif isinstance(body, dict):
        if "event_name" in body or "message" in body:
            yield body
        elif "result" in body:
            if body.get("ok") is False:
                return
            yield from _entries(body["result"])
        else:
            yield body  # rejected later as malformed


def _text(value: Any) -> str | None:
    return value if isinstance(value, str) else None


def _id(value: Any) -> str:
    if isinstance(value, bool) or not isinstance(value, str | int):
        return ""
    return str(value)


def _first(mapping: dict[str, Any], keys: Iterable[str]) -> str | None:
    for key in keys:
        value = mapping.get(key)
        if isinstance(value, str) and value:
            return value
    return None


def _date(value: Any) -> datetime | None:
    if isinstance(value, str) and value.strip().isdigit():
        value = int(value)
    if isinstance(value, bool) or not isinstance(value, int | float) or value <= 0:
        return None
    seconds = value if value < SECONDS_BELOW else value / 1000
    try:
        return datetime.fromtimestamp(seconds, tz=UTC)
    except (OverflowError, OSError, ValueError):
        return None


def _dict(value: Any) -> dict[str, Any]:
    return value if isinstance(value, dict) else {}


def parse_event(entry: Any) -> ZaloEvent | None:
    """Return the event in one ``{event_name, message}`` dict, or None if it is malformed."""
    if not isinstance(entry, dict):
        return None
    event_name, message = entry.get("event_name"), entry.get("message")
    if not isinstance(event_name, str) or not event_name or not isinstance(message, dict):
        return None
    sender, chat = _dict(message.get("from")), _dict(message.get("chat"))
    sender_id = _id(sender.get("id"))
    chat_id = _id(chat.get("id")) or sender_id
    if not chat_id:
        return None  # nobody to answer
    chat_type = "GROUP" if str(chat.get("chat_type", "")).upper() == "GROUP" else "PRIVATE"
    return ZaloEvent(
        event_name=event_name,
        message_id=_id(message.get("message_id")),
        sender_id=sender_id,
        sender_name=_first(sender, NAME_KEYS) or "",
        chat_id=chat_id,
        chat_type=chat_type,
        text=_text(message.get("text")),
        photo_url=_first(message, PHOTO_KEYS),
        caption=_text(message.get("caption")),
        sticker=_text(message.get("sticker")),
        date=_date(message.get("date")),
        is_bot=sender.get("is_bot") is True,
        raw=message,
    )


def parse_events(body: Any) -> list[ZaloEvent]:
    """Return the events in a body: wrapped, unwrapped, a list of either, or a list result."""
    events = []
    for entry in _entries(body):
        event = parse_event(entry)
        if event is None:
            log.warning("skipped a malformed Zalo event entry")
        else:
            events.append(event)
    return events


def _mention_pattern(bot_names: Iterable[str]) -> re.Pattern[str] | None:
    names = sorted({n.strip().lstrip("@") for n in bot_names if n.strip()}, key=len, reverse=True)
    if not names:
        return None
    alternatives = "|".join(re.escape(n) for n in names)
    return re.compile(rf"^\s*@(?:{alternatives})(?![\w])[\s,:;.!-]*", re.IGNORECASE)


def strip_mention(text: str, bot_names: str | Iterable[str]) -> str:
    """Remove a leading ``@Bot Name`` (any of ``bot_names``, any case) from a group text."""
    names = [bot_names] if isinstance(bot_names, str) else list(bot_names)
    pattern = _mention_pattern(names)
    if pattern is None:
        return text
    return pattern.sub("", text, count=1)
