"""One inbound message being answered: who asks, in which language, and how to reply."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Protocol

from bot.services.access import Identity, Role
from bot.services.container import Services
from bot.services.replies import Actor, Outcome, Reply
from bot.texts import pick_locale
from handlers.inbound import Inbound


@dataclass(frozen=True)
class Capabilities:
    """What a channel can do; the core never formats for one, it only asks what it has."""

    max_text: int
    buttons: bool
    markup: str  # "html" or "plain"
    contact_sharing: bool
    files: bool
    editing: bool


class Responder(Protocol):
    """A channel's way to answer the person who wrote: it renders, splits and paces."""

    capabilities: Capabilities

    async def send(self, reply: Reply, locale: str) -> None:
        """Send one reply (a catalogue key with values and choices, or presenter lines)."""
        ...

    async def photo(self, png: bytes, caption: Reply, locale: str) -> None:
        """Send a picture (the chart) with a caption."""
        ...

    async def document(self, content: bytes, filename: str, caption: Reply, locale: str) -> None:
        """Send a file (Word, Excel), or where files cannot be sent, a link only the asker can
        open."""
        ...

    async def action(self, kind: str) -> None:
        """Show that something is being prepared ("typing", "upload_photo", "upload_document")."""
        ...


@dataclass(frozen=True)
class Turn:
    """One inbound message, the services, and the channel's responder."""

    inbound: Inbound
    services: Services
    responder: Responder
    locale: str

    @classmethod
    def of(cls, services: Services, inbound: Inbound, responder: Responder) -> Turn:
        """A turn in the language the person chose, else the one their channel reports."""
        locale = services.preferences.locale_of(inbound.sender) or pick_locale(
            inbound.language, services.default_locale
        )
        return cls(inbound, services, responder, locale)

    @property
    def private(self) -> bool:
        """Whether the message came from a one-to-one chat."""
        return self.inbound.private

    @property
    def args(self) -> tuple[str, ...]:
        """The words after the command."""
        return self.inbound.args

    @property
    def actor(self) -> Actor:
        """The person as services see them."""
        inbound = self.inbound
        return Actor(inbound.sender, inbound.chat, self.locale, inbound.private,
                     inbound.display_name)

    @property
    def now(self) -> datetime:
        """The current time from the injected clock."""
        return self.services.clock.now()

    async def identity(self) -> Identity:
        """The person's role and seat, checked afresh."""
        return await self.services.access.identify(self.inbound.sender)

    async def role(self) -> Role:
        """The person's role, checked afresh."""
        return (await self.identity()).role

    async def say(self, key: str, /, **values: object) -> None:
        """Answer with one catalogue text."""
        await self.responder.send(Reply(key, values), self.locale)

    async def lines(self, chunks: list[str]) -> None:
        """Answer with what a presenter wrote, one message per chunk (the channel re-splits)."""
        for chunk in chunks:
            await self.responder.send(Reply("", lines=tuple(chunk.split("\n"))), self.locale)

    async def send(self, outcome: Outcome) -> None:
        """Send every reply of an outcome in order."""
        for reply in outcome.replies:
            await self.responder.send(reply, self.locale)


async def refuse(turn: Turn, identity: Identity, key: str) -> None:
    """Refuse a command: strangers get what the bot is and how to join; others the reason."""
    command = f"/{turn.inbound.command}" if turn.inbound.command else ""
    await turn.services.access.deny(identity, command[:64], turn.now)
    if identity.role is Role.STRANGER:
        plan = turn.services.plan
        await turn.say("common.stranger_info", campaign=plan.title,
                       secretariat=plan.unit(plan.secretariat).name)
        return
    await turn.say(key)


async def secretariat_only(turn: Turn) -> bool:
    """True for the secretariat; anyone else is refused (and the refusal audited)."""
    identity = await turn.identity()
    if identity.role is Role.SECRETARIAT:
        return True
    await refuse(turn, identity, "access.secretariat_only")
    return False
