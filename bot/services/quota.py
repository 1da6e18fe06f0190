"""Monthly message allowances per channel (the Zalo free plan: 3,000 messages a month)."""

from __future__ import annotations

from collections.abc import Collection, Mapping
from datetime import datetime
from zoneinfo import ZoneInfo

from bot.domain.address import Address
from bot.domain.records import OutboxMessage
from bot.services.ports import UnitOfWorkFactory

#: What still goes out once a channel's quota is used up: answers (never queued) and nudges.
ESSENTIAL_KINDS = frozenset({"deadline", "deadline.manual"})
WARN_AT = 0.8


class QuotaService:
    """Counts messages per channel and calendar month; warns the secretariat, then holds back."""

    def __init__(
        self,
        uow_factory: UnitOfWorkFactory,
        limits: Mapping[str, int],
        admin_ids: Collection[Address],
        timezone: str,
        locale: str = "vi",
    ) -> None:
        self._uow_factory = uow_factory
        self._limits = {channel: limit for channel, limit in limits.items() if limit > 0}
        self._admins = sorted(admin_ids)
        self._zone = ZoneInfo(timezone)
        self._locale = locale
        self._counts: dict[str, int] = {}
        # Messages being sent right now: several go out at once, none may pass the limit.
        self._in_flight: dict[str, int] = {}

    def _month(self, now: datetime) -> str:
        return now.astimezone(self._zone).strftime("%Y-%m")

    def _key(self, channel: str, now: datetime) -> str:
        return f"quota:{channel}:{self._month(now)}"

    async def used(self, channel: str, now: datetime) -> int:
        """Messages sent on the channel this month."""
        key = self._key(channel, now)
        if key not in self._counts:
            async with self._uow_factory() as uow:
                stored = await uow.state.get(key)
            self._counts[key] = int(stored.get("sent", 0)) if isinstance(stored, dict) else 0
        return self._counts[key]

    async def allows(self, channel: str, kind: str, now: datetime | None = None) -> bool:
        """Whether a queued message of this kind may still go out on the channel."""
        limit = self._limits.get(channel)
        if limit is None or kind in ESSENTIAL_KINDS:
            return True
        moment = now or datetime.now(self._zone)
        return await self.used(channel, moment) < limit

    async def take(self, channel: str, kind: str, now: datetime) -> bool:
        """Reserve room for one queued message; False (nothing reserved) when there is none."""
        limit = self._limits.get(channel)
        if limit is None or kind in ESSENTIAL_KINDS:
            self._in_flight[channel] = self._in_flight.get(channel, 0) + 1
            return True
        used = await self.used(channel, now) + self._in_flight.get(channel, 0)
        if used >= limit:
            return False
        self._in_flight[channel] = self._in_flight.get(channel, 0) + 1
        return True

    def give_back(self, channel: str) -> None:
        """Release a reservation whose message was not sent."""
        self._in_flight[channel] = max(0, self._in_flight.get(channel, 0) - 1)

    async def sent(self, channel: str, now: datetime) -> None:
        """A reserved message went out: count it (the reservation is given back after)."""
        await self.record(channel, now)

    async def record(self, channel: str, now: datetime, count: int = 1) -> None:
        """Count messages sent; at 80 % and at 100 % the secretariat is told once a month."""
        limit = self._limits.get(channel)
        if limit is None:
            return
        before = await self.used(channel, now)
        after = before + count
        key = self._key(channel, now)
        self._counts[key] = after
        async with self._uow_factory() as uow:
            await uow.state.put(key, {"sent": after, "limit": limit})
            for level, text_key in ((WARN_AT, "quota.warning"), (1.0, "quota.reached")):
                if before < limit * level <= after:
                    await self._notify(uow, channel, now, level, text_key, after, limit)
            await uow.commit()

    async def _notify(self, uow, channel, now, level, text_key, used, limit) -> None:  # noqa: ANN001
        month = self._month(now)
        for admin in self._admins:
            await uow.outbox.enqueue(OutboxMessage(
                key=f"quota:{channel}:{month}:{int(level * 100)}:{admin.key}", kind="quota",
                address=admin, text_key=text_key,
                payload={"channel": channel.capitalize(), "used": used, "limit": limit,
                         "month": now.astimezone(self._zone).strftime("%m/%Y")},
                locale=self._locale, due_at=now, created_at=now,
            ))
