"""Housekeeping: forget what is no longer needed (stored answers, expired conversations)."""

from __future__ import annotations

import logging
from datetime import datetime, timedelta

from bot.services.ports import UnitOfWorkFactory

logger = logging.getLogger(__name__)

#: Telegram keeps an unconfirmed update for 24 hours and Zalo retries a webhook for minutes:
#: after this long no platform can deliver a message again, so its stored answer is useless
#: (and may hold personal data: a registration card replays a name and a phone number).
REPLAY_WINDOW = timedelta(hours=25)
#: Pruning is cheap but needs no more than one pass an hour.
PRUNE_EVERY = timedelta(hours=1)


class HousekeepingService:
    """Prunes stored answers past the redelivery window and expired conversations."""

    def __init__(self, uow_factory: UnitOfWorkFactory, window: timedelta = REPLAY_WINDOW) -> None:
        self._uow_factory = uow_factory
        self._window = window
        self._last: datetime | None = None

    async def prune(self, now: datetime) -> int:
        """Delete answers stored before `now - window` and expired conversations (at most once
        an hour); return how many rows went."""
        if self._last is not None and self._last <= now < self._last + PRUNE_EVERY:
            return 0
        async with self._uow_factory() as uow:
            count = await uow.updates.delete_older_than(now - self._window)
            count += await uow.conversations.delete_expired(now)
            await uow.commit()
        self._last = now
        if count:
            logger.info("housekeeping: %d stored answers and expired conversations pruned", count)
        return count
