"""Zalo chats for the sandbox page: what personas sent and what the bot sent, in order.

The fake Zalo keeps the bot's messages (``sent``) and the events users emitted; the sandbox
notes, for every message a persona sends, how many bot messages existed at that moment, which
orders both sides exactly even when the simulated clock stands still. Zalo shows plain text:
no buttons, no formatting; links are clickable, pictures are shown.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from typing import Any
from urllib.parse import quote

from bot.fakeserver.markup import detect_entities
from bot.fakezalo import FakeZaloApi, SentMessage

Json = dict[str, Any]

#: What a Zalo app makes clickable in plain text.
_LINKS = frozenset({"url", "email"})


def zalo_media_url(name: str) -> str:
    """Return the sandbox URL of an image a persona sent (hosted by the fake Zalo)."""
    return f"/api/zalo/media/{quote(name)}"


def zalo_photo_url(seq: int) -> str:
    """Return the sandbox URL of a picture the bot sent by link (fetched from the bot)."""
    return f"/api/zalo/photo/{seq}"


def link_entities(text: str | None) -> list[Json]:
    """Return the links and e-mail addresses in plain text (nothing else is formatted)."""
    if not text:
        return []
    return [e for e in detect_entities(text) if e["type"] in _LINKS]


@dataclass
class Said:
    """A message a persona sent on Zalo, and how many bot messages existed before it."""

    chat_id: str
    event: Json
    bot_before: int


class ZaloChats:
    """The Zalo side of the sandbox page: personas' messages next to the bot's."""

    def __init__(self, api: FakeZaloApi) -> None:
        self.api = api
        self.said: list[Said] = []

    def record(self, event: Json | None) -> Json | None:
        """Remember an event a persona emitted (None: Zalo did not deliver it)."""
        if event is None:
            return None
        chat = event["message"]["chat"]["id"]
        self.said.append(Said(str(chat), event, len(self.api.sent)))
        return event

    def messages(self, chat_id: str) -> list[Json]:
        """Return a chat's messages, oldest first, numbered 1, 2, … in that order."""
        items: list[tuple[tuple[int, int, int], Json]] = []
        for index, said in enumerate(self.said):
            if said.chat_id == chat_id:
                items.append(((said.bot_before, 0, index), self._user(said.event)))
        for record in self.api.messages_to(chat_id):
            items.append(((record.seq, 1, 0), self._bot(record)))
        items.sort(key=lambda item: item[0])
        rendered = []
        for number, (_, message) in enumerate(items, start=1):
            message["message_id"] = number
            rendered.append(message)
        return rendered

    def counts(self) -> Counter[str]:
        """Return how many messages the bot sent to each chat."""
        return Counter(record.chat_id for record in self.api.sent)

    def _base(self, from_bot: bool, sender_id: str | None, name: str, date_ms: int) -> Json:
        return {
            "from_bot": from_bot,
            "sender_id": sender_id,
            "sender_name": name,
            "date": date_ms / 1000,
            "edited": False,
            "text": None,
            "entities": [],
            "caption": None,
            "caption_entities": [],
            "buttons": [],
        }

    def _user(self, event: Json) -> Json:
        message = event["message"]
        sender = message.get("from") or {}
        name = next((str(sender[k]) for k in ("display_name", "first_name", "name")
                     if sender.get(k)), "")
        data = self._base(False, sender.get("id"), name, int(message.get("date", 0)))
        text = message.get("text")
        data.update(text=text, entities=link_entities(text))
        photo = message.get("photo_url") or message.get("photo")
        if photo:
            data["photo"] = {"url": zalo_media_url(str(photo).rsplit("/", 1)[-1]),
                             "width": None, "height": None}
            caption = message.get("caption")
            data.update(caption=caption, caption_entities=link_entities(caption))
        if message.get("sticker"):
            data["sticker"] = "🙂"
        return data

    def _bot(self, record: SentMessage) -> Json:
        data = self._base(True, self.api.bot_id, self.api.bot_name, record.date)
        data.update(text=record.text, entities=link_entities(record.text))
        if record.photo:
            data["photo"] = {"url": zalo_photo_url(record.seq), "width": None, "height": None,
                             "link": record.photo}
            data.update(caption=record.caption, caption_entities=link_entities(record.caption))
        if record.sticker:
            data["sticker"] = "🙂"
        return data

    def bot_photo_link(self, seq: int) -> str | None:
        """Return the link the bot sent a picture by, for the bot message number ``seq``."""
        if 0 <= seq < len(self.api.sent):
            return self.api.sent[seq].photo
        return None
