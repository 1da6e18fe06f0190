"""What a service answers: catalogue keys with values, choices and notices, never wording."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from bot.domain.address import Address


@dataclass(frozen=True)
class Choice:
    """One numbered option; typed as its number or words, or pressed as a button."""

    key: str
    values: Mapping[str, object] = field(default_factory=dict)


@dataclass(frozen=True)
class Reply:
    """A message to the user who wrote, as a catalogue key and the values it needs."""

    key: str
    values: Mapping[str, object] = field(default_factory=dict)
    choices: tuple[Choice, ...] = ()
    request_contact: bool = False
    # The step a choice answers; a button pressed for another step is refused as stale.
    step: str = ""
    # Hide a reply keyboard (the contact button) once its question is answered.
    remove_keyboard: bool = False
    # Lines a presenter already wrote in the reader's language, in the catalogue's markup
    # (used instead of `key` when the key is empty); the channel splits them within its limit.
    lines: tuple[str, ...] = ()

    def to_json(self) -> dict[str, Any]:
        """A JSON-ready form, to replay the answer to a redelivered message."""
        return {
            "key": self.key,
            "values": dict(self.values),
            "choices": [{"key": c.key, "values": dict(c.values)} for c in self.choices],
            "request_contact": self.request_contact,
            "step": self.step,
            "remove_keyboard": self.remove_keyboard,
            "lines": list(self.lines),
        }

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> Reply:
        """The reply stored by `to_json`."""
        return cls(
            key=data["key"],
            values=dict(data.get("values", {})),
            choices=tuple(Choice(c["key"], dict(c.get("values", {})))
                          for c in data.get("choices", ())),
            request_contact=bool(data.get("request_contact")),
            step=data.get("step", ""),
            remove_keyboard=bool(data.get("remove_keyboard")),
            lines=tuple(data.get("lines", ())),
        )


@dataclass(frozen=True)
class Actor:
    """The person behind an inbound message, as services see them."""

    user: Address
    chat: Address
    locale: str
    private: bool = True
    display_name: str = ""


@dataclass(frozen=True)
class Contact:
    """A shared contact card."""

    phone: str
    # Whose card it is, when the channel says (a shared card may be someone else's).
    owner: Address | None


@dataclass(frozen=True)
class Upload:
    """A photo or document the user sent."""

    kind: str  # "photo" or "document"
    channel: str
    source_ref: str  # the channel's reference: a file id, or the image URL on Zalo
    source_unique_ref: str
    size: int | None = None
    file_name: str | None = None
    mime_type: str | None = None


@dataclass(frozen=True)
class Answer:
    """What the user sent in a conversation: text, a contact, a file, or something else."""

    text: str | None = None
    contact: Contact | None = None
    upload: Upload | None = None
    caption: str | None = None
    # "sticker", "voice", "video", "location"… anything the flows cannot take.
    other: str | None = None


@dataclass
class Outcome:
    """The replies to send to the user, in order."""

    replies: list[Reply] = field(default_factory=list)

    def add(self, key: str, /, **values: object) -> Outcome:
        """Append a plain reply and return self, for chaining."""
        self.replies.append(Reply(key, values))
        return self

    def to_json(self) -> list[dict[str, Any]]:
        """A JSON-ready form of every reply."""
        return [reply.to_json() for reply in self.replies]

    @classmethod
    def from_json(cls, data: list[Mapping[str, Any]] | None) -> Outcome:
        """The outcome stored by `to_json` (empty for None)."""
        return cls([Reply.from_json(item) for item in data or ()])
