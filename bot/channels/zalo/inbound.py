"""Zalo events as plain inbound messages: string ids become addresses, images uploads."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable

from bot.channels.zalo.updates import ZaloEvent, parse_event, strip_mention
from bot.domain.address import Address
from bot.domain.records import InboxEntry
from bot.services.inbox import Subject
from bot.services.replies import Upload
from handlers.inbound import Inbound

CHANNEL = "zalo"
_OTHER = {
    "message.sticker.received": "sticker",
    "message.voice.received": "voice",
    "message.unsupported.received": "unsupported",
}


def message_key(event: ZaloEvent) -> str:
    """The event's unique key, `zalo:<event_name>:<message_id>` (a digest when it has no id)."""
    if event.message_id:
        return f"{CHANNEL}:{event.dedupe_key}"
    digest = hashlib.sha256(json.dumps(event.raw, sort_keys=True, default=str).encode())
    return f"{CHANNEL}:{event.event_name}:sha256-{digest.hexdigest()[:32]}"


def _people(event: ZaloEvent) -> tuple[Address, Address]:
    """The event's chat and sender."""
    return Address(CHANNEL, event.chat_id or event.sender_id), Address(CHANNEL, event.sender_id)


def subject(entry: InboxEntry) -> Subject | None:
    """The chat, the sender and the key of a stored event, as the inbound message made of it
    will have them; None when no one is to be answered."""
    event = parse_event(dict(entry.payload))
    if event is None or event.is_bot or not event.sender_id:
        return None
    chat, sender = _people(event)
    return chat, sender, message_key(event)


def event_inbound(event: ZaloEvent, bot_names: Iterable[str]) -> Inbound | None:
    """One Zalo event as an inbound message; None for the bot's own messages."""
    if event.is_bot or not event.sender_id:
        return None
    private = event.chat_type.upper() != "GROUP"
    text = event.text
    if text is not None and not private:
        text = strip_mention(text, list(bot_names)).strip()  # only mentions reach a bot there
    chat, sender = _people(event)
    fields: dict[str, object] = {
        "key": message_key(event),
        "sender": sender,
        "chat": chat,
        "private": private,
        "display_name": event.sender_name,
    }
    if event.photo_url:
        # Zalo images are URLs that may not live long: the archive downloads them at once.
        upload = Upload("photo", CHANNEL, event.photo_url, f"{CHANNEL}:{event.message_id}")
        return Inbound(**fields, upload=upload, caption=event.caption)  # type: ignore[arg-type]
    if event.event_name in _OTHER or text is None:
        return Inbound(**fields, other=_OTHER.get(event.event_name, "unknown"))  # type: ignore[arg-type]
    if text.startswith("/"):
        name, _, rest = text[1:].partition(" ")
        if name:
            rest = rest.strip()
            return Inbound(**fields, text=text, command=name.lower(),  # type: ignore[arg-type]
                           args=tuple(rest.split()), args_text=rest)
    return Inbound(**fields, text=text)  # type: ignore[arg-type]
