"""Races with real concurrent sessions (SQLite here; PostgreSQL with E2E_DATABASE_URL in CI):
two people redeeming one invite, one report confirmed twice at the same moment, and a focal
point handed over while the old one is confirming a report."""

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


async def _mid_report(runtime, actor: Actor, key: str) -> None:
    """The actor has answered every question of a report and sees the preview."""
    services = runtime.services
    now = services.clock.now()
    await services.reporting.start(actor, UNIT, "3", now, f"{key}:report")
    for step, text in enumerate(("3", "12", "1.200", "bỏ qua", "Đã đăng 12 bài.", "xong")):
        await services.dialogue.answer(actor, Answer(text=text), now, f"{key}:step:{step}")


async def _reports_by(runtime, actor: Actor) -> list:
    return [report for report in await runtime.services.reporting.all_reports()
            if report.submitted_by == actor.user]


async def _mid_report_then_new_card(runtime, old, new) -> None:
    """`old` registered and at a report's preview; `new` at the card of a handover invite."""
    services = runtime.services
    [first] = await services.registration.issue_invites(
        [UNIT], FocalPointRole.FOCAL_POINT, services.clock.now())
    await _to_card(runtime, old, first.code, "old")
    await services.dialogue.answer(old, Answer(text="1"), services.clock.now(), "old:save")
    await _mid_report(runtime, old, "old")
    [second] = await services.registration.issue_invites(
        [UNIT], FocalPointRole.FOCAL_POINT, services.clock.now())
    await _to_card(runtime, new, second.code, "new")


async def test_a_focal_point_replaced_mid_report_is_refused_politely_and_nothing_is_stored(
        runtime):
    services = runtime.services
    old, new = _actor(4), _actor(5)
    # While the old focal point looks at the preview, the secretariat hands the seat over.
    await _mid_report_then_new_card(runtime, old, new)
    saved = await services.dialogue.answer(new, Answer(text="1"), services.clock.now(), "new:save")
    assert saved.replies[0].key == "registration.saved"
    outcome = await services.dialogue.answer(old, Answer(text="1"), services.clock.now(),
                                             "old:confirm")
    assert [reply.key for reply in outcome.replies] == ["reports.no_longer_member"]
    assert await _reports_by(runtime, old) == []
    assert await services.reporting.all_reports() == []


async def test_a_handover_at_the_moment_of_confirming_never_stores_a_report_after_it(runtime):
    services = runtime.services
    old, new = _actor(6), _actor(7)
    await _mid_report_then_new_card(runtime, old, new)
    now = services.clock.now()
    # The new focal point saves and the old one confirms at the same moment, in two sessions.
    confirmed, handed_over = await asyncio.gather(
        services.dialogue.answer(old, Answer(text="1"), now, "old:confirm"),
        services.dialogue.answer(new, Answer(text="1"), now, "new:save"),
    )
    assert handed_over.replies[0].key == "registration.saved"
    stored = await _reports_by(runtime, old)
    if confirmed.replies[0].key == "reports.saved":
        # The confirmation came first: the report was the old focal point's to send.
        assert len(stored) == 1 and stored[0].submitted_by_name == f"Cán bộ {old.display_name}"
    else:
        assert [reply.key for reply in confirmed.replies] == ["reports.no_longer_member"]
        assert stored == []
    async with runtime.uow_factory() as uow:
        seats = await uow.focal_points.active_for_unit(runtime.plan.id, UNIT)
    assert [seat.user for seat in seats] == [new.user]
