"""What every channel turns its updates into: a plain inbound message."""

from __future__ import annotations

from dataclasses import dataclass

from bot.domain.address import Address
from bot.services.replies import Answer, Contact, Upload


@dataclass(frozen=True)
class Inbound:
    """One message from a person, as the core sees it, whatever the channel."""

    # Unique on its channel (`telegram:update:17`, `zalo:message.text.received:2d75…`): a
    # message delivered twice has one effect.
    key: str
    sender: Address
    chat: Address
    private: bool
    display_name: str = ""
    # The language the channel reports for the person (e.g. "en-US"), if any.
    language: str | None = None
    text: str | None = None
    # A command without its slash, lower case, and the words after it.
    command: str | None = None
    args: tuple[str, ...] = ()
    args_text: str = ""
    # A pressed button: the step it answers and the number it stands for.
    choice: tuple[str, str] | None = None
    contact: Contact | None = None
    upload: Upload | None = None
    caption: str | None = None
    # Anything the flows cannot take: "sticker", "voice", "video", "unsupported"…
    other: str | None = None
    chat_title: str = ""

    @property
    def answer(self) -> Answer:
        """The message as a flow answer."""
        if self.choice is not None:
            return Answer(text=self.choice[1])
        return Answer(text=self.text, contact=self.contact, upload=self.upload,
                      caption=self.caption, other=self.other if self.text is None else None)


__all__ = ["Answer", "Contact", "Inbound", "Upload"]
