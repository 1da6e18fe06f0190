"""Telegram updates as plain inbound messages: ids become addresses, PTB types stop here."""

from __future__ import annotations

from telegram import Message, Update
from telegram.constants import ChatType, MessageEntityType

from bot.channels.telegram.notifier import CHANNEL
from bot.channels.telegram.render import LANGUAGE_PREFIX, parse_choice_data
from bot.domain.address import Address
from bot.domain.records import InboxEntry
from bot.services.inbox import Subject
from bot.services.replies import Contact, Upload
from handlers.inbound import Inbound

_OTHER = ("sticker", "voice", "video", "video_note", "audio", "animation", "location")


def address(ident: int) -> Address:
    """The address of a Telegram user or chat id."""
    return Address(CHANNEL, str(ident))


def _key(update_id: int) -> str:
    return f"{CHANNEL}:update:{update_id}"


def subject(entry: InboxEntry) -> Subject | None:
    """The chat, the sender and the key of a stored update, as the inbound message made of it
    will have them (a message or a button press); None for any other kind."""
    payload = entry.payload
    message = payload.get("message")
    if isinstance(message, dict):
        chat, user = message.get("chat"), message.get("from")
    else:
        query = payload.get("callback_query")
        if not isinstance(query, dict):
            return None
        user, pressed = query.get("from"), query.get("message")
        chat = pressed.get("chat") if isinstance(pressed, dict) else None
    if not (isinstance(chat, dict) and isinstance(user, dict)) or "update_id" not in payload:
        return None
    if chat.get("id") is None or user.get("id") is None:
        return None
    return address(chat["id"]), address(user["id"]), _key(payload["update_id"])


def _base(update: Update) -> dict[str, object] | None:
    user, chat = update.effective_user, update.effective_chat
    if user is None or chat is None:
        return None  # channel posts, inline queries: nobody to answer
    return {
        "key": _key(update.update_id),
        "sender": address(user.id),
        "chat": address(chat.id),
        "private": chat.type == ChatType.PRIVATE,
        "display_name": user.full_name,
        "language": user.language_code,
        "chat_title": chat.title or "",
    }


def _command(message: Message, bot_username: str) -> dict[str, object] | None:
    text = message.text or ""
    entity = next((e for e in message.entities if e.offset == 0
                   and e.type == MessageEntityType.BOT_COMMAND), None)
    if entity is None:
        return None
    # Telegram ends the command at the first non-ASCII letter ("/dangký" is "/dangk" + "ý"):
    # the whole first word is the command as the person typed it.
    length = len(text.split(None, 1)[0])
    name, _, target = text[1:length].partition("@")
    if target and target.lower() != bot_username.lower():
        return {"ignore": True}  # a command for another bot in the same group
    rest = text[length:].strip()
    return {"command": name.lower(), "args": tuple(rest.split()), "args_text": rest}


def _content(message: Message) -> dict[str, object]:
    if message.text is not None:
        return {"text": message.text}
    if message.contact is not None:
        owner = address(message.contact.user_id) if message.contact.user_id else None
        return {"contact": Contact(message.contact.phone_number, owner)}
    if message.photo:
        biggest = message.photo[-1]
        return {"upload": Upload("photo", CHANNEL, biggest.file_id, biggest.file_unique_id,
                                 biggest.file_size), "caption": message.caption}
    if message.document is not None:
        doc = message.document
        return {"upload": Upload("document", CHANNEL, doc.file_id, doc.file_unique_id,
                                 doc.file_size, doc.file_name, doc.mime_type),
                "caption": message.caption}
    for kind in _OTHER:
        if getattr(message, kind, None):
            return {"other": kind, "caption": message.caption}
    return {"other": "unknown"}


def message_inbound(update: Update, bot_username: str) -> Inbound | None:
    """A new message (edits are ignored) as an inbound message, or None."""
    base, message = _base(update), update.message
    if base is None or message is None:
        return None
    command = _command(message, bot_username)
    if command is not None and command.pop("ignore", False):
        return None
    fields = {**base, **_content(message), **(command or {})}
    return Inbound(**fields)  # type: ignore[arg-type]


def button_inbound(update: Update) -> Inbound | None:
    """A pressed button: a choice of a flow or a language; None for data we never made."""
    base, query = _base(update), update.callback_query
    if base is None or query is None:
        return None
    data = query.data or ""
    if data.startswith(LANGUAGE_PREFIX):
        code = data.removeprefix(LANGUAGE_PREFIX)
        return Inbound(**base, command="lang", args=(code,), args_text=code)  # type: ignore[arg-type]
    parsed = parse_choice_data(data)
    if parsed is None:
        return None
    return Inbound(**base, choice=parsed)  # type: ignore[arg-type]
