"""Helpers for the reminder tests: focal points, reports and a walk through simulated time."""

from __future__ import annotations

import html
import re
from dataclasses import dataclass, field
from datetime import datetime
from zoneinfo import ZoneInfo

import pytest

from bot.domain.address import Address
from bot.domain.records import FocalPoint, FocalPointRole, OutboxStatus
from bot.services.outbox import render_message
from storage.models import ReportRow
from tests.support import tg

VN = ZoneInfo("Asia/Ho_Chi_Minh")


def at(day: int, month: int, hour: int = 0, minute: int = 0) -> datetime:
    """A moment of the 2023 campaign in Kon Tum time."""
    return datetime(2023, month, day, hour, minute, tzinfo=VN)


def shown(message) -> str:  # noqa: ANN001 - an outbox row
    """An outbox row's text as Telegram shows it (tags stripped, entities unescaped)."""
    return html.unescape(re.sub(r"<[^>]+>", "", render_message(
        message.text_key, message.locale, message.payload)))


@dataclass
class Campaign:
    """The running bot plus who stands for which unit."""

    talk: object
    clock: object
    people: dict[str, object] = field(default_factory=dict)  # unit id -> fake user

    @property
    def runtime(self):  # noqa: ANN201
        return self.talk.runtime

    @property
    def api(self):  # noqa: ANN201
        return self.talk.api

    @property
    def plan(self):  # noqa: ANN201
        return self.runtime.plan

    async def register(self, unit_id: str, when: datetime | None = None,
                       role: FocalPointRole = FocalPointRole.FOCAL_POINT, locale: str = "vi"):
        """A Telegram user becomes the unit's focal point (as the registration flow would)."""
        user = self.api.add_user(f"Đầu mối {unit_id}", language_code=locale)
        moment = when or self.clock.now()
        async with self.runtime.uow_factory() as uow:
            await uow.focal_points.add(FocalPoint(
                self.plan.id, unit_id, role, tg(user.id), tg(user.id), f"Nguyễn Văn {unit_id}",
                "Chuyên viên", "+84912345678", locale, moment, moment,
            ))
            await uow.commit()
        self.people[unit_id] = user
        return user

    async def report(self, unit_id: str, when: datetime | None = None,
                     deadline_id: str = "bao-cao-don-vi", only: int | None = None) -> None:
        """Store a report row for each of the unit's tasks under the deadline."""
        moment = when or self.clock.now()
        tasks = [task for task in self.plan.tasks_of(unit_id)
                 if task.deadline in (deadline_id, None)]
        async with self.runtime.uow_factory() as uow:
            for task in tasks[:only]:
                uow.session.add(ReportRow(
                    campaign_id=self.plan.id, unit_id=unit_id, task_id=task.id, version=1,
                    status="done", narrative="", submitted_by=Address("telegram", "1"),
                    submitted_by_name="x", created_at=moment))
            await uow.commit()

    async def outbox(self, *statuses: OutboxStatus):  # noqa: ANN201
        """Every outbox row (oldest first), optionally only some statuses."""
        async with self.runtime.uow_factory() as uow:
            rows = await uow.outbox.recent(100_000)
        rows.reverse()
        return [row for row in rows if not statuses or row.status in statuses]

    async def run_until(self, moment: datetime) -> list[datetime]:
        """Move the clock to each due moment up to `moment`, ticking at each; return them."""
        ticked = []
        while True:
            due = await self.runtime.next_due()
            if due is None or due > moment:
                break
            self.clock.set(due)
            await self.runtime.tick()
            ticked.append(due)
        self.clock.set(moment)
        await self.runtime.tick()
        return ticked


@pytest.fixture
def campaign(bot, clock, secretariat, head) -> Campaign:
    """The Kon Tum campaign with the bot running, the secretariat and the head known."""
    return Campaign(bot, clock)
