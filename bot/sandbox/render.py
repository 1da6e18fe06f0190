"""Turn the fake server's messages and the outbox into plain JSON for the sandbox page.

Nothing here produces HTML: the page builds its DOM from plain text plus entities, so whatever a
user or the bot wrote is only ever shown as text.
"""

from __future__ import annotations

import enum
from datetime import date, datetime
from typing import Any

from bot.fakeserver import ApiError, FakeBotApi
from bot.fakeserver.markup import detect_entities, parse_entities

Json = dict[str, Any]

#: Entity kinds inside which Telegram does not detect commands or links.
_OPAQUE = frozenset({"code", "pre", "text_link", "url", "email", "bot_command", "text_mention"})


def file_url(file_id: str, *, download: bool = False) -> str:
    """Return the sandbox URL that serves a stored file."""
    return f"/api/file/{file_id}" + ("?download=1" if download else "")


def with_auto_entities(text: str, entities: list[Json]) -> list[Json]:
    """Add the commands, links and mentions Telegram apps make clickable in any message."""
    taken = [(e["offset"], e["offset"] + e["length"]) for e in entities if e["type"] in _OPAQUE]
    result = list(entities)
    for found in detect_entities(text):
        start, end = found["offset"], found["offset"] + found["length"]
        if all(end <= a or start >= b for a, b in taken):
            result.append(found)
    result.sort(key=lambda e: (e["offset"], -e["length"]))
    return result


def _full_name(user: Json) -> str:
    return " ".join(part for part in (user.get("first_name"), user.get("last_name")) if part)


def _inline_keyboard(markup: Json | None) -> list[list[Json]]:
    rows = []
    for row in (markup or {}).get("inline_keyboard", []):
        buttons = []
        for button in row:
            entry: Json = {"text": button.get("text", "")}
            if "callback_data" in button:
                entry.update(kind="callback", data=button["callback_data"])
            elif "url" in button:
                entry.update(kind="url", url=button["url"])
            else:
                entry["kind"] = "other"
            buttons.append(entry)
        rows.append(buttons)
    return rows


def render_message(message: Json, bot_id: int) -> Json:
    """Return one message (the bot's or a user's) as the page draws it."""
    sender = message.get("from") or {}
    from_bot = sender.get("id") == bot_id
    text = message.get("text")
    caption = message.get("caption")
    data: Json = {
        "message_id": message["message_id"],
        "from_bot": from_bot,
        "sender_id": sender.get("id"),
        "sender_name": _full_name(sender),
        "date": message.get("date"),
        "edited": "edit_date" in message,
        "text": text,
        "entities": with_auto_entities(text, message.get("entities", [])) if text else [],
        "caption": caption,
        "caption_entities": (
            with_auto_entities(caption, message.get("caption_entities", [])) if caption else []
        ),
        "buttons": _inline_keyboard(message.get("reply_markup")),
    }
    if message.get("photo"):
        largest = max(message["photo"], key=lambda size: size.get("width", 0))
        data["photo"] = {
            "url": file_url(largest["file_id"]),
            "width": largest.get("width"),
            "height": largest.get("height"),
        }
    if message.get("document"):
        document = message["document"]
        data["document"] = {
            "url": file_url(document["file_id"], download=True),
            "name": document.get("file_name") or document["file_id"],
            "size": document.get("file_size"),
            "mime_type": document.get("mime_type"),
        }
    if message.get("contact"):
        contact = message["contact"]
        data["contact"] = {"name": _full_name(contact), "phone": contact.get("phone_number")}
    if message.get("sticker"):
        data["sticker"] = message["sticker"].get("emoji") or ""
    if message.get("voice"):
        data["voice"] = message["voice"].get("duration", 0)
    if message.get("new_chat_members"):
        data["joined"] = [_full_name(member) for member in message["new_chat_members"]]
    if message.get("reply_to_message"):
        replied = message["reply_to_message"]
        data["reply_to"] = {
            "sender_name": _full_name(replied.get("from") or {}),
            "text": replied.get("text") or replied.get("caption") or "",
        }
    return data


def chat_messages(api: FakeBotApi, chat_id: int) -> list[Json]:
    """Return a chat's messages, oldest first, as the page draws them (deleted ones left out)."""
    return [
        render_message(message, api.bot.id)
        for (chat, _), message in list(api.messages.items())
        if chat == chat_id
    ]


def reply_keyboard(api: FakeBotApi, chat_id: int) -> Json | None:
    """Return the reply keyboard a Telegram app would show in this chat now, if any."""
    latest: Json | None = None
    latest_id = 0
    for record in api.sent_messages(chat_id, include_deleted=False):
        markup = record.reply_markup or {}
        if "keyboard" in markup or "remove_keyboard" in markup:
            latest, latest_id = markup, record.message_id
    if latest is None or "keyboard" not in latest:
        return None
    if latest.get("one_time_keyboard"):
        # One-time keyboards fold away once the user has answered.
        for (chat, message_id), message in list(api.messages.items()):
            if chat == chat_id and message_id > latest_id:
                if (message.get("from") or {}).get("id") != api.bot.id:
                    return None
    rows = []
    for row in latest["keyboard"]:
        buttons = []
        for button in row:
            label = button if isinstance(button, str) else button.get("text", "")
            kind = "text"
            if isinstance(button, dict) and button.get("request_contact"):
                kind = "contact"
            elif isinstance(button, dict) and any(
                button.get(k) for k in ("request_location", "request_poll", "web_app")
            ):
                kind = "other"
            buttons.append({"text": label, "kind": kind})
        rows.append(buttons)
    return {"rows": rows, "placeholder": latest.get("input_field_placeholder")}


def plain_text(value: str) -> str:
    """Return Telegram-HTML as the reader sees it; other text unchanged."""
    if "<" not in value and "&" not in value:
        return value
    try:
        return parse_entities(value, "HTML")[0]
    except ApiError:
        return value


def jsonable(value: Any) -> Any:
    """Return ``value`` as JSON-able data: times as ISO 8601, HTML as its plain text."""
    if isinstance(value, dict):
        return {str(k): jsonable(v) for k, v in value.items()}
    if isinstance(value, list | tuple | set | frozenset):
        return [jsonable(v) for v in value]
    if isinstance(value, datetime | date):
        return value.isoformat()
    if isinstance(value, enum.Enum):
        return jsonable(value.value)
    if isinstance(value, str):
        return plain_text(value)
    if value is None or isinstance(value, bool | int | float):
        return value
    if hasattr(value, "as_dict"):
        return jsonable(value.as_dict())
    return str(value)
