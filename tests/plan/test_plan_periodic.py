"""Recurring deadlines (every week, month, quarter): one deadline per period, with its window."""

from __future__ import annotations

from datetime import date, datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from bot.domain.plan import Every
from bot.domain.progress import issued_for, schedule_of, tasks_due
from bot.plan import PlanError, check_plan, load_plan, plan_json_schema

TZ = ZoneInfo("Asia/Ho_Chi_Minh")

FIXTURE = Path(__file__).parent / "fixtures" / "periodic.yaml"
PERIODIC = FIXTURE.read_text(encoding="utf-8")


def write(tmp_path: Path, text: str = PERIODIC) -> Path:
    path = tmp_path / "plan.yaml"
    path.write_text(text, encoding="utf-8")
    return path


def test_a_weekly_deadline_is_one_deadline_per_week_covering_the_7_days_before(
    tmp_path: Path,
) -> None:
    plan = load_plan(write(tmp_path))

    weeks = plan.periods_of("bao-cao-tuan")
    # `first` and `last` bound the dues: Monday 16/11 (the figures of week 46) to 07/12.
    assert [d.id for d in weeks] == [
        "bao-cao-tuan@2026-W46", "bao-cao-tuan@2026-W47", "bao-cao-tuan@2026-W48",
        "bao-cao-tuan@2026-W49",
    ]
    assert weeks[-1].due.date() == date(2026, 12, 7)
    first = weeks[1]
    # Due Monday 23/11 17:00; its data: Monday 16/11 to Sunday 22/11.
    assert first.due == datetime(2026, 11, 23, 17, 0, tzinfo=TZ)
    assert first.period is not None and first.period.every is Every.WEEK
    assert (first.period.start, first.period.end) == (date(2026, 11, 16), date(2026, 11, 22))
    assert (first.period.number, first.period.year) == (47, 2026)
    assert first.title == "Báo cáo tuần 47/2026" and first.units == ("xa-1", "xa-2")


def test_a_monthly_deadline_with_the_decree_window_covers_the_15th_to_the_14th(
    tmp_path: Path,
) -> None:
    plan = load_plan(write(tmp_path))

    months = plan.periods_of("bao-cao-thang")
    assert [d.id for d in months] == [
        "bao-cao-thang@2026-11", "bao-cao-thang@2026-12", "bao-cao-thang@2027-01",
    ]
    november = months[0]
    assert november.due == datetime(2026, 11, 16, 10, 0, tzinfo=TZ)
    assert november.period is not None
    assert (november.period.start, november.period.end) == (date(2026, 10, 15), date(2026, 11, 14))
    assert november.title == "Báo cáo tháng 11/2026"
    january = months[-1].period
    assert january is not None and (january.start, january.end) == (
        date(2026, 12, 15), date(2027, 1, 14))


def test_a_quarterly_deadline_falls_in_the_quarters_last_month(tmp_path: Path) -> None:
    plan = load_plan(write(tmp_path))

    [quarter] = plan.periods_of("bao-cao-quy")
    assert quarter.id == "bao-cao-quy@2026-Q4"
    assert quarter.due == datetime(2026, 12, 20, 17, 0, tzinfo=TZ)
    assert quarter.period is not None
    assert (quarter.period.start, quarter.period.end) == (date(2026, 9, 15), date(2026, 12, 14))


def test_a_default_month_or_quarter_window_is_the_previous_calendar_one(tmp_path: Path) -> None:
    text = PERIODIC.replace("    window: {from_day: 15, to_day: 14}\n", "").replace(
        "    month: 3\n", "").replace("day: 20", "day: 10")
    plan = load_plan(write(tmp_path, text))

    december = plan.periods_of("bao-cao-thang")[1].period
    assert december is not None
    # Due 16/12: the figures of November, named after it.
    assert (december.start, december.end, december.label) == (
        date(2026, 11, 1), date(2026, 11, 30), "2026-11")
    [quarter] = plan.periods_of("bao-cao-quy")
    assert quarter.due.date() == date(2027, 1, 10) and quarter.period is not None
    assert (quarter.period.start, quarter.period.end, quarter.period.label) == (
        date(2026, 10, 1), date(2026, 12, 31), "2026-Q4")


def test_tasks_naming_the_rule_are_due_in_every_period(tmp_path: Path) -> None:
    plan = load_plan(write(tmp_path))

    for week in plan.periods_of("bao-cao-tuan"):
        assert [t.id for t in tasks_due(plan, week, "xa-1")] == ["tuan"]
        assert [t.id for t in tasks_due(plan, week, "xa-2")] == ["tuan"]
    for month in plan.periods_of("bao-cao-thang"):
        assert [t.id for t in tasks_due(plan, month, "xa-2")] == ["thang"]


def test_shipped_plans_have_no_recurring_deadline_and_load_as_before() -> None:
    # Those written before recurring deadlines existed (langson-bhyt-2017 shows them).
    recurring = {"langson-bhyt-2017.yaml"}
    paths = sorted((Path(__file__).parents[2] / "plans").glob("*.yaml"))
    assert recurring <= {path.name for path in paths}
    for path in (path for path in paths if path.name not in recurring):
        plan = load_plan(path)
        assert all(d.period is None and d.rule == d.id for d in plan.deadlines), path
        assert plan.deadline_rules == tuple(d.id for d in plan.deadlines), path


def test_a_recurring_rule_with_no_period_in_the_campaign_is_a_warning(tmp_path: Path) -> None:
    text = PERIODIC.replace("    first: 2026-11-16\n    last: 2026-12-07\n",
                            "    first: 2027-03-01\n")
    plan, warnings = check_plan(write(tmp_path, text))

    assert plan.periods_of("bao-cao-tuan") == ()
    [warning] = [w for w in warnings if "bao-cao-tuan" in w.message]
    assert "không có kỳ nào" in warning.message and warning.line is not None
    _, clean = check_plan(write(tmp_path))
    assert not [w for w in clean if "kỳ" in w.message]


@pytest.mark.parametrize(
    ("old", "new", "words"),
    [
        ("    weekday: 1\n", "", "cần weekday"),
        ("    day: 16\n", "", "cần day"),
        ("    every: week\n", "    every: week\n    due: 2026-11-23\n", "không ghi due"),
        ("    every: week\n    weekday: 1\n", "    weekday: 1\n", "thêm every"),
        ("    weekday: 1\n", "    weekday: 1\n    window: {from_day: 1, to_day: 7}\n",
         "không dùng cho hạn hằng tuần"),
        ("    weekday: 1\n", "    weekday: 8\n", "nhỏ hơn hoặc bằng 7"),
        ('    time: "10:00"\n', '    time: "10h"\n', "ghi dạng 17:00"),
        ('    time: "10:00"\n', '    time: "25:00"\n', "ghi dạng 17:00"),
        ("    every: quarter\n", "    every: fortnight\n", "fortnight"),
    ],
)
def test_a_bad_recurrence_is_told_politely_in_vietnamese(
    tmp_path: Path, old: str, new: str, words: str
) -> None:
    assert old in PERIODIC
    with pytest.raises(PlanError) as caught:
        load_plan(write(tmp_path, PERIODIC.replace(old, new, 1)))
    messages = [issue.message for issue in caught.value.issues]
    assert any(words in message for message in messages), messages


def test_the_last_day_of_each_month_is_written_last(tmp_path: Path) -> None:
    text = PERIODIC.replace("    day: 16\n", "    day: last\n").replace(
        "    window: {from_day: 15, to_day: 14}\n", "", 1)
    # A year-end quarterly report: due on the quarter's last day, data to the 31/12 itself.
    text = text.replace("    day: 20\n    month: 3\n    window: {from_day: 15, to_day: 14}\n",
                        "    day: last\n    month: 3\n    window: {from_day: 1, to_day: last}\n")
    plan, warnings = check_plan(write(tmp_path, text))

    assert [d.due.date() for d in plan.periods_of("bao-cao-thang")] == [
        date(2026, 11, 30), date(2026, 12, 31), date(2027, 1, 31)]
    [quarter] = plan.periods_of("bao-cao-quy")
    assert quarter.due == datetime(2026, 12, 31, 17, 0, tzinfo=TZ)
    assert quarter.period is not None and quarter.period.label == "2026-Q4"
    assert (quarter.period.start, quarter.period.end) == (date(2026, 10, 1), date(2026, 12, 31))
    assert not [w for w in warnings if w.code.startswith("warn_day")]


@pytest.mark.parametrize(
    ("old", "new", "field", "words"),
    [
        ("    day: 16\n", "    day: 31\n", "day",
         "ngày 31 không có trong tháng 2, 4, 6, 9, 11: những tháng đó day tính vào ngày cuối "
         "tháng (30/04, 28/02). Nếu ý là ngày cuối tháng, ghi day: last"),
        ("    day: 16\n", "    day: 30\n", "day", "ngày 30 không có trong tháng 2"),
        ("    day: 16\n", "    day: 29\n", "day", "tháng 2 của năm không nhuận"),
        ("{from_day: 15, to_day: 14}", "{from_day: 1, to_day: 31}", "window.to_day",
         "ghi to_day: last"),
    ],
)
def test_plan_check_explains_a_day_some_months_lack(
    tmp_path: Path, old: str, new: str, field: str, words: str
) -> None:
    path = write(tmp_path, PERIODIC.replace(old, new, 1))
    _, warnings = check_plan(path)

    [warning] = [w for w in warnings if w.code.startswith("warn_day")]
    assert words in warning.message
    assert warning.path == f"deadlines[1].{field}"
    assert path.read_text(encoding="utf-8").splitlines()[warning.line - 1].strip().startswith(
        field.split(".")[0])


def test_a_due_on_a_day_off_moves_to_the_next_working_day_if_the_plan_says_so(
    tmp_path: Path,
) -> None:
    text = PERIODIC.replace("    weekday: 1\n", "    weekday: 2\n    on_day_off: next_working_day\n")
    text = text.replace('    time: "10:00"\n', '    time: "10:00"\n    on_day_off: next_working_day\n')
    moved = load_plan(write(tmp_path, text))
    kept = load_plan(write(tmp_path, PERIODIC.replace("    weekday: 1\n", "    weekday: 2\n")))

    # Tuesday 24/11/2026 is Vietnam Culture Day: week 47's due moves to Wednesday 25/11, and
    # its data stays 17/11–23/11; the other Tuesdays are working days and stay.
    weeks = {d.period.label: d for d in moved.periods_of("bao-cao-tuan") if d.period}
    assert weeks["2026-W48"].due == datetime(2026, 11, 25, 17, 0, tzinfo=TZ)
    assert (weeks["2026-W48"].period.start, weeks["2026-W48"].period.end) == (
        date(2026, 11, 17), date(2026, 11, 23))
    assert [d.due.date() for d in kept.periods_of("bao-cao-tuan")][:3] == [
        date(2026, 11, 17), date(2026, 11, 24), date(2026, 12, 1)]
    assert weeks["2026-W49"].due.date() == date(2026, 12, 1)
    # Saturday 16/01/2027: January's monthly report is due Monday 18/01 10:00.
    months = moved.periods_of("bao-cao-thang")
    assert [d.due for d in months] == [datetime(2026, 11, 16, 10, tzinfo=TZ),
                                       datetime(2026, 12, 16, 10, tzinfo=TZ),
                                       datetime(2027, 1, 18, 10, tzinfo=TZ)]
    assert [d.due.date() for d in kept.periods_of("bao-cao-thang")][-1] == date(2027, 1, 16)


@pytest.mark.parametrize(
    ("old", "new", "words"),
    [
        ("    weekday: 1\n", "    weekday: 1\n    on_day_off: next\n", "next_working_day"),
        ("    day: 16\n", "    day: lastt\n", "hoặc last cho ngày cuối tháng"),
        ("    every: week\n    weekday: 1\n", "    due: 2026-11-23\n    on_day_off: keep\n",
         "on_day_off chỉ dùng cho hạn định kỳ"),
    ],
)
def test_a_bad_day_off_rule_or_day_is_told_politely(
    tmp_path: Path, old: str, new: str, words: str
) -> None:
    with pytest.raises(PlanError) as caught:
        load_plan(write(tmp_path, PERIODIC.replace(old, new, 1)))
    messages = [issue.message for issue in caught.value.issues]
    assert any(words in message for message in messages), messages


def test_tet_can_move_a_weekly_due_onto_the_next_one_and_each_is_met_on_its_own(
    tmp_path: Path,
) -> None:
    # Tết 2026: Monday 16/02 to Friday 20/02 are holidays; week 7's due moves to Monday 23/02,
    # which is week 8's own due. Two issues that Monday meet both weeks, on time.
    text = PERIODIC.replace("start: 2026-11-01", "start: 2026-02-01").replace(
        "    first: 2026-11-16\n    last: 2026-12-07\n",
        "    first: 2026-02-09\n    last: 2026-03-02\n    on_day_off: next_working_day\n")
    weeks = load_plan(write(tmp_path, text)).periods_of("bao-cao-tuan")
    assert [(d.period.label, d.due.date()) for d in weeks if d.period] == [
        ("2026-W06", date(2026, 2, 9)), ("2026-W07", date(2026, 2, 23)),
        ("2026-W08", date(2026, 2, 23)), ("2026-W09", date(2026, 3, 2))]
    monday = datetime(2026, 2, 23, 9, tzinfo=TZ)
    met = issued_for(schedule_of(weeks), [datetime(2026, 2, 9, 9, tzinfo=TZ), monday,
                                          monday.replace(hour=10)])
    assert sorted(met) == [0, 1, 2]


YEARLY = """\
  - id: bao-cao-nam
    title: Báo cáo năm
    kind: report
    units: [xa-1]
    every: year
    month: 12
    day: 20
    window: {from_day: 15, to_day: 14}
  - id: tong-ket-nam
    title: Tổng kết năm
    kind: consolidation
    units: [van-phong]
    every: year
    month: 1
    day: 15
"""


def test_a_yearly_report_covers_the_decree_year_or_the_calendar_year(tmp_path: Path) -> None:
    plan = load_plan(write(tmp_path, PERIODIC + YEARLY))

    # Decree 09/2019 art. 12: the year's report covers 15/12 of the year before to 14/12.
    [year] = plan.periods_of("bao-cao-nam")
    assert year.due == datetime(2026, 12, 20, 17, 0, tzinfo=TZ)
    assert year.period is not None and year.period.label == "2026"
    assert (year.period.start, year.period.end) == (date(2025, 12, 15), date(2026, 12, 14))
    assert year.title == "Báo cáo năm 2026" and year.id == "bao-cao-nam@2026"
    # With no window, the calendar year before the due: cut off on 31/12.
    [closing] = plan.periods_of("tong-ket-nam")
    assert closing.due.date() == date(2027, 1, 15)
    assert closing.period is not None
    assert (closing.period.start, closing.period.end) == (date(2026, 1, 1), date(2026, 12, 31))
    assert closing.title == "Tổng kết năm 2026"


def test_a_quarter_has_no_month_past_its_third(tmp_path: Path) -> None:
    with pytest.raises(PlanError) as caught:
        load_plan(write(tmp_path, PERIODIC.replace("    month: 3\n", "    month: 12\n")))
    assert any("month 12 không dùng cho hạn hằng quý" in issue.message
               for issue in caught.value.issues)


def test_the_schema_offers_last_for_a_day_and_names_on_day_off() -> None:
    deadline = plan_json_schema()["$defs"]["DeadlineSpec"]["properties"]
    assert {"const": "last"} in deadline["day"]["anyOf"]
    assert deadline["on_day_off"]["enum"] == ["keep", "next_working_day"]
