"""What a service answers: catalogue keys with values, choices and notices, never wording."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field


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
    # Choices are answered as "<flow>:<step>:<n>" callback data; the step guards stale buttons.
    step: str = ""
    document: bytes | None = None
    document_name: str = ""
    photo: bytes | None = None


@dataclass(frozen=True)
class Actor:
    """The person behind an update, as services see them."""

    user_id: int
    chat_id: int
    locale: str
    private: bool = True
    display_name: str = ""


@dataclass(frozen=True)
class Contact:
    """A shared contact card."""

    phone: str
    user_id: int | None


@dataclass(frozen=True)
class Upload:
    """A photo or document the user sent."""

    kind: str  # "photo" or "document"
    file_id: str
    file_unique_id: str
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
