"""Retention: a campaign's people are forgotten a configured time after it ended.

A person is erased once every campaign they hold or held a seat in has ended more than the
retention period ago; serving in a campaign that is running (or recently ended) keeps them,
since the erasure covers the person everywhere. The period runs from the campaign's end, or
from the person's registration if that came later. Reports stay with their units, credited to a
placeholder, exactly as with `/xoadulieu` (`RegistrationService.forget_seats`).
"""

from __future__ import annotations

import logging
from collections import defaultdict
from dataclasses import dataclass
from datetime import datetime, timedelta

from dateutil.relativedelta import relativedelta

from bot.domain.address import Address
from bot.domain.records import AuditEntry, FocalPoint
from bot.services.ports import UnitOfWork, UnitOfWorkFactory
from bot.services.registration import RegistrationService

logger = logging.getLogger(__name__)

RETENTION_ERASED = "retention.erased"
#: The rule is about months; checking once a day is plenty.
CHECK_EVERY = timedelta(days=1)


@dataclass(frozen=True)
class RetentionCase:
    """One person whose data is past retention: their seats and when it ran out."""

    user: Address
    seats: tuple[FocalPoint, ...]
    campaign_ids: tuple[str, ...]
    retained_until: datetime


class RetentionService:
    """Finds and erases the people kept past the retention period."""

    def __init__(
        self, uow_factory: UnitOfWorkFactory, registration: RegistrationService, months: int = 12
    ) -> None:
        self._uow_factory = uow_factory
        self._registration = registration
        self.months = months
        self._checked: datetime | None = None

    def kept_until(self, campaign_end: datetime) -> datetime:
        """The moment a campaign's people may no longer be kept for it."""
        return campaign_end + relativedelta(months=self.months)

    async def due(self, now: datetime) -> list[RetentionCase]:
        """The people who would be erased at `now` (a dry run: nothing changes)."""
        async with self._uow_factory(read_only=True) as uow:
            return await self._due(uow, now)

    async def erase_due(self, now: datetime) -> list[RetentionCase]:
        """Erase every person past retention, audit each seat, in one transaction."""
        async with self._uow_factory() as uow:
            cases = await self._due(uow, now)
            for case in cases:
                await self._registration.forget_seats(uow, list(case.seats), {case.user}, now)
                for seat in case.seats:
                    await uow.audit.append(
                        AuditEntry(now, RETENTION_ERASED, None, seat.campaign_id, seat.unit_id,
                                   {"focal_point_id": seat.id, "role": seat.role.value,
                                    "retained_until": case.retained_until.isoformat()})
                    )
            await uow.commit()
        if cases:
            logger.info("retention: %d people erased (%d seats)", len(cases),
                        sum(len(case.seats) for case in cases))
        return cases

    async def erase_if_due(self, now: datetime) -> int:
        """The scheduler's chore: erase what is due, at most once a day; return how many."""
        if self._checked is not None and self._checked <= now < self._checked + CHECK_EVERY:
            return 0
        cases = await self.erase_due(now)
        self._checked = now
        return len(cases)

    async def _due(self, uow: UnitOfWork, now: datetime) -> list[RetentionCase]:
        ends = {campaign.id: campaign.end_at for campaign in await uow.campaigns.all()}
        by_person: dict[Address, list[FocalPoint]] = defaultdict(list)
        for seat in await uow.focal_points.with_person():
            assert seat.user is not None
            by_person[seat.user].append(seat)
        cases = []
        for user, seats in by_person.items():
            campaigns = sorted({seat.campaign_id for seat in seats})
            if any(campaign not in ends for campaign in campaigns):
                continue  # a campaign we know nothing about: keep rather than guess
            # Someone who registered after the end (a rehearsal on an old plan) is kept for
            # the period from their registration, never erased the day they arrive.
            until = max(self.kept_until(max(ends[seat.campaign_id], seat.registered_at))
                        for seat in seats)
            if until <= now:
                cases.append(RetentionCase(user, tuple(seats), tuple(campaigns), until))
        return sorted(cases, key=lambda case: case.seats[0].id or 0)
