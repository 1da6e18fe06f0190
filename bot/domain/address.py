"""Who a message comes from or goes to: a channel and an id on it, never a platform type."""

from __future__ import annotations

from dataclasses import dataclass

#: A bare id in settings or old data means a Telegram id (the only channel before Zalo).
LEGACY_CHANNEL = "telegram"


class AddressError(ValueError):
    """Text that is not an address such as `zalo:6ede9afa66b88fe6d6a9` or `telegram:42`."""


@dataclass(frozen=True, order=True)
class Address:
    """A person or a chat on one channel: `(channel, id)`; ids are opaque strings."""

    channel: str
    id: str

    def __post_init__(self) -> None:
        if not self.channel or not self.channel.isidentifier():
            raise AddressError(f"bad channel name {self.channel!r}")
        if not self.id or any(ch.isspace() for ch in self.id):
            raise AddressError("an address needs a non-empty id without spaces")

    def __str__(self) -> str:
        return f"{self.channel}:{self.id}"

    @property
    def key(self) -> str:
        """The address inside an outbox key: a legacy-channel address by its bare id, as keys
        were written before addresses existed, so an upgrade never queues a reminder twice."""
        return self.id if self.channel == LEGACY_CHANNEL else str(self)

    @classmethod
    def parse(cls, text: str, default_channel: str = LEGACY_CHANNEL) -> Address:
        """`zalo:abc`, `telegram:42`, or a bare `42` (the default channel)."""
        text = text.strip()
        channel, sep, ident = text.partition(":")
        if sep and channel.isidentifier():
            return cls(channel.lower(), ident)
        return cls(default_channel, text)

    @classmethod
    def of(cls, channel: str, ident: object) -> Address:
        """An address from a channel name and a platform id of any type."""
        return cls(channel, str(ident))
