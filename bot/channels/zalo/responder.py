"""Answers on Zalo: plain text cut at 2,000 characters, numbered choices, files as links."""

from __future__ import annotations

import contextlib
import logging
from collections.abc import Awaitable, Callable

from bot.channels.common import reply_markup_text, split_text, to_plain
from bot.channels.zalo.api import ZaloApi, ZaloError
from bot.domain.address import Address
from bot.services.quota import QuotaService
from bot.services.replies import Reply
from bot.texts import t
from bot.web.files import FileLinks
from handlers.turn import Capabilities

logger = logging.getLogger(__name__)
MESSAGE_LIMIT = 2000
CAPABILITIES = Capabilities(
    max_text=MESSAGE_LIMIT, buttons=False, markup="plain", contact_sharing=False, files=False,
    editing=False,
)


def plain_text(reply: Reply, locale: str) -> str:
    """A reply as Zalo shows it: plain text, choices numbered for typing."""
    return to_plain(reply_markup_text(reply, locale, typed=True))


class ZaloResponder:
    """Implements `handlers.Responder` for one Zalo chat."""

    capabilities = CAPABILITIES

    def __init__(self, api: ZaloApi, chat: Address, asker: Address, links: FileLinks,
                 quota: QuotaService | None, now: object,
                 shared_rate: Callable[[], Awaitable[None]] | None = None) -> None:
        self._api = api
        # Several instances: each message waits for this instance's turn in the shared rate.
        self._shared_rate = shared_rate
        self._chat = chat
        self._asker = asker
        self._links = links
        self._quota = quota
        self._now = now

    async def _turn(self) -> None:
        if self._shared_rate is not None:
            await self._shared_rate()

    async def _count(self) -> None:
        if self._quota is not None:
            await self._quota.record("zalo", self._now())  # type: ignore[operator]

    async def _text(self, text: str) -> None:
        for chunk in split_text(text, MESSAGE_LIMIT):
            await self._turn()
            await self._api.send_message(self._chat.id, chunk)
            await self._count()

    async def send(self, reply: Reply, locale: str) -> None:
        """Send a reply in as many messages as its length needs."""
        await self._text(plain_text(reply, locale))

    async def photo(self, png: bytes, caption: Reply, locale: str) -> None:
        """Send a picture by URL: Zalo fetches it from the bot's signed link."""
        url = self._links.make(png, "bieu-do.png", self._asker)
        text = plain_text(caption, locale)[:MESSAGE_LIMIT]
        await self._turn()
        await self._api.send_photo(self._chat.id, url, caption=text or None)
        await self._count()

    async def document(self, content: bytes, filename: str, caption: Reply, locale: str) -> None:
        """Zalo cannot send files: a link that only the asker can open, for a limited time."""
        url = self._links.make(content, filename, self._asker)
        hours = f"{self._links.lifetime_s / 3600:g}"
        link = t("files.link", locale, name=filename, url=url, hours=hours)
        await self._text(f"{plain_text(caption, locale)}\n{link}")

    async def action(self, kind: str) -> None:
        """Show "typing…" (Zalo knows no other action yet)."""
        with contextlib.suppress(ZaloError):
            await self._api.send_chat_action(self._chat.id, "typing")
