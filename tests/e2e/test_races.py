"""Races with real concurrent sessions (SQLite here; PostgreSQL with E2E_DATABASE_URL in CI):
two people redeeming one invite, and one report confirmed twice at the same moment."""

from __future__ import annotations

import asyncio

from bot.domain.address import Address
from bot.domain.records import FocalPointRole
from bot.services.replies import Actor, Answer

UNIT = "bao-kon-tum"


def _actor(number: int) -> Actor:
    address = Address("zalo", f"{number:020x}")
    return Actor(address, address, "vi", True, f"Người {number}")


async def _to_card(runtime, actor: Actor, code: str, key: str) -> None:
    services = runtime.services
    now = services.clock.now()
    await services.registration.start(actor, code, now, f"{key}:start")
    for step, text in enumerate(("1", f"Cán bộ {actor.display_name}", "Chuyên viên",
                                 "0912345678")):
        await services.dialogue.answer(actor, Answer(text=text), now, f"{key}:{step}")


async def test_two_people_redeeming_one_invite_at_once_make_one_focal_point(runtime):
    services = runtime.services
    [issued] = await services.registration.issue_invites(
        [UNIT], FocalPointRole.FOCAL_POINT, services.clock.now())
    first, second = _actor(1), _actor(2)
    await _to_card(runtime, first, issued.code, "a")
    await _to_card(runtime, second, issued.code, "b")
    now = services.clock.now()
    outcomes = await asyncio.gather(
        services.dialogue.answer(first, Answer(text="1"), now, "a:save"),
        services.dialogue.answer(second, Answer(text="1"), now, "b:save"),
    )
    keys = sorted(outcome.replies[0].key for outcome in outcomes)
    assert keys == ["registration.invite_used", "registration.saved"]
    async with runtime.uow_factory() as uow:
        seats = await uow.focal_points.active_for_unit(runtime.plan.id, UNIT)
    assert len(seats) == 1 and seats[0].user in (first.user, second.user)


async def test_one_report_confirmed_twice_at_the_same_moment_is_stored_once(runtime):
    services = runtime.services
    [issued] = await services.registration.issue_invites(
        [UNIT], FocalPointRole.FOCAL_POINT, services.clock.now())
    lan = _actor(3)
    await _to_card(runtime, lan, issued.code, "r")
    now = services.clock.now()
    await services.dialogue.answer(lan, Answer(text="1"), now, "r:save")
    await services.reporting.start(lan, UNIT, "3", now, "r:report")
    for step, text in enumerate(("3", "12", "1.200", "bỏ qua", "Đã đăng 12 bài.", "xong")):
        await services.dialogue.answer(lan, Answer(text=text), now, f"r:step:{step}")
    # The same confirmation twice, as two messages (a double tap), processed concurrently.
    outcomes = await asyncio.gather(
        services.dialogue.answer(lan, Answer(text="1"), now, "r:confirm:1"),
        services.dialogue.answer(lan, Answer(text="1"), now, "r:confirm:2"),
    )
    assert len(await services.reporting.all_reports()) == 1
    answered = [outcome for outcome in outcomes if outcome is not None and outcome.replies]
    assert len(answered) == 1  # the other found the report already sent: nothing to answer
