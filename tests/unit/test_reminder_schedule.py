"""The reminder calendar: quiet hours, working days, holidays, offsets and the slots of a plan."""

from __future__ import annotations

from dataclasses import replace
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest

from bot.domain.address import Address
from bot.plan import load_plan
from bot.services.outbox import Pacer, Pacing, line, render_message
from bot.services.reminders import SlotKind, plan_slots
from bot.services.schedule import (
    NudgeOffset,
    ReminderPolicy,
    parse_clock,
    parse_offsets,
    parse_quiet_hours,
)
from tests.conftest import KONTUM

VN = ZoneInfo("Asia/Ho_Chi_Minh")
POLICY = ReminderPolicy("Asia/Ho_Chi_Minh")


def vn(day: int, month: int, hour: int = 0, minute: int = 0, year: int = 2023) -> datetime:
    return datetime(year, month, day, hour, minute, tzinfo=VN)


def test_settings_formats():
    assert parse_clock("8h00") == time(8, 0)
    assert parse_quiet_hours("21:00-07:00") == (time(21), time(7))
    assert parse_quiet_hours("off") is None
    assert parse_offsets("3d, 1d,0d,12h") == (
        NudgeOffset(3, "d"), NudgeOffset(1, "d"), NudgeOffset(0, "d"), NudgeOffset(12, "h"))
    for bad in ("3 days", "25:00", "-1d"):
        with pytest.raises(ValueError):
            (parse_offsets if "d" in bad else parse_clock)(bad)
    with pytest.raises(ValueError):
        parse_quiet_hours("07:00-07:00")


def test_quiet_hours_wrap_around_midnight():
    assert POLICY.in_quiet_hours(vn(4, 12, 21))
    assert POLICY.in_quiet_hours(vn(5, 12, 6, 59))
    assert not POLICY.in_quiet_hours(vn(5, 12, 7))
    assert not POLICY.in_quiet_hours(vn(4, 12, 20, 59))
    assert POLICY.quiet_end(vn(4, 12, 22, 30)) == vn(5, 12, 7)
    assert POLICY.quiet_end(vn(5, 12, 3)) == vn(5, 12, 7)
    assert POLICY.quiet_end(vn(5, 12, 9)) == vn(5, 12, 9)
    assert POLICY.quiet_length == timedelta(hours=10)
    daytime = replace(POLICY, quiet_hours=(time(12), time(13)))
    assert daytime.in_quiet_hours(vn(5, 12, 12, 30)) and not daytime.in_quiet_hours(vn(5, 12, 13))


def test_vietnamese_holidays_include_the_lunar_new_year():
    assert POLICY.is_holiday(date(2024, 2, 10))  # Tết Giáp Thìn
    assert POLICY.is_holiday(date(2023, 9, 2))
    assert POLICY.is_holiday(date(2024, 4, 18))  # Giỗ Tổ Hùng Vương, 10/3 lunar
    assert not POLICY.is_holiday(date(2023, 12, 5))
    assert not POLICY.is_working_day(date(2024, 2, 12))
    assert not POLICY.is_working_day(date(2023, 12, 10))  # a Sunday
    lenient = replace(POLICY, skip_sundays=False, skip_holidays=False)
    assert lenient.is_working_day(date(2023, 12, 10)) and lenient.is_working_day(date(2024, 2, 12))


def test_a_message_due_in_quiet_hours_on_a_sunday_goes_on_monday_morning():
    assert POLICY.deliverable(vn(9, 12, 23)) == vn(11, 12, 7)  # Sat 23:00 -> Mon 07:00


def test_the_kon_tum_plan_gives_the_expected_moments():
    plan = load_plan(KONTUM)
    slots = plan_slots(plan, POLICY)
    nudges = [(s.at, s.label) for s in slots
              if s.kind is SlotKind.NUDGE and s.deadline.id == "bao-cao-don-vi"]
    assert nudges == [
        (vn(12, 12, 8), "T-3d"), (vn(14, 12, 8), "T-1d"), (vn(15, 12, 8), "T-0d"),
        (vn(16, 12, 8), "late-1"), (vn(18, 12, 8), "late-2"),  # Sunday 17/12 skipped
        (vn(19, 12, 8), "late-3"), (vn(20, 12, 8), "late-4"), (vn(21, 12, 8), "late-5"),
    ]
    escalations = [(s.deadline.id, s.at) for s in slots if s.kind is SlotKind.ESCALATION]
    assert escalations == [("dang-ky-dau-moi", vn(29, 11, 17)),
                           ("bao-cao-don-vi", vn(16, 12, 17)),
                           ("bao-cao-tong-hop", vn(21, 12, 17))]
    phases = [(s.phase.id, s.at) for s in slots if s.kind is SlotKind.PHASE]
    assert phases == [("truoc", vn(1, 11, 7)), ("trong", vn(5, 12, 7)), ("sau", vn(16, 12, 7))]
    digests = [s.at for s in slots if s.kind is SlotKind.DIGEST]
    assert digests[0] == vn(5, 12, 17) and digests[-1] == vn(15, 12, 17)
    assert vn(10, 12, 17) not in digests and len(digests) == 10
    consolidation = [s.label for s in slots
                     if s.kind is SlotKind.NUDGE and s.deadline.id == "bao-cao-tong-hop"]
    assert consolidation[:2] == ["T-1d", "T-0d"]  # T-3d falls on Sunday 17/12: dropped


def test_a_campaign_around_tet_skips_the_holidays():
    plan = load_plan(KONTUM, event_date=date(2024, 2, 1))  # report deadline 11/02/2024
    slots = plan_slots(plan, POLICY)
    days = {s.at.date() for s in slots}
    for holiday in (date(2024, 2, 8), date(2024, 2, 9), date(2024, 2, 12), date(2024, 2, 13)):
        assert holiday not in days
    late = [s.at.date() for s in slots
            if s.kind is SlotKind.NUDGE and s.deadline.id == "bao-cao-don-vi" and s.overdue]
    assert late[0] == date(2024, 2, 15)  # the first working day after Tết


def test_rendering_escapes_values_and_renders_lists_from_the_catalogue():
    payload = {"deadline": "<b>x</b> & y", "due": "15/12", "count": 2,
               "units": [line("reminders.unit_line", unit="A & B"), line("reminders.unit_line",
                                                                          unit="<C>")]}
    text = render_message("reminders.escalation", "vi", payload)
    assert "&lt;b&gt;x&lt;/b&gt; &amp; y" in text
    assert "• A &amp; B\n• &lt;C&gt;" in text


async def test_the_pacer_keeps_one_message_a_second_per_chat_after_a_burst():
    now = [0.0]
    waits: list[float] = []

    async def sleep(seconds: float) -> None:
        waits.append(round(seconds, 3))
        now[0] += seconds

    pacer = Pacer(Pacing(), monotonic=lambda: now[0], sleep=sleep)
    for _ in range(5):
        await pacer.wait_for_chat(Address("telegram", "42"))
    assert waits == [1.0, 1.0]  # three at once, then one a second
    start = now[0]
    for _ in range(50):
        await pacer.wait_for_chat(Address("telegram", "-100"), group=True)  # a group: a burst of 20, then 20 a minute
    assert now[0] - start == pytest.approx(90, abs=0.1)  # (50 - 20) * 3 s
    waits.clear()
    for _ in range(3):
        await pacer.wait_for_slot()
    assert waits == [pytest.approx(1 / 30, abs=0.001)] * 2
    pacer.pause(5)
    await pacer.wait_for_slot()
    assert waits[-1] == pytest.approx(5, abs=0.05)


async def test_the_pacer_uses_a_slot_a_busy_loop_made_it_miss_but_gives_no_burst_after_idling():
    now = [0.0]
    waits: list[float] = []

    async def sleep(seconds: float) -> None:
        waits.append(round(seconds, 4))
        now[0] += seconds

    pacer = Pacer(Pacing(overall_per_second=100), monotonic=lambda: now[0], sleep=sleep)
    await pacer.wait_for_slot()  # slot 0.00; the next at 0.01
    now[0] = 0.03  # the loop was busy: slots 0.01 and 0.02 passed unused
    for _ in range(3):
        await pacer.wait_for_slot()
    assert waits == [] and now[0] == 0.03  # the missed slots are taken at once
    now[0] = 60.0  # idle for a minute: no credit for a burst
    for _ in range(3):
        await pacer.wait_for_slot()
    assert waits == [0.01, 0.01]
