"""Three weeks of a two-level weekly campaign, every output checked against one count made here.

Six communes in two districts report every week (Wednesday 17:00) to their district with a
target of 10 flags a week; each district consolidates by Thursday 17:00, the province by Friday
17:00 (tests/plan/fixtures/weekly-levels.yaml). Each commune gets a fate each week; the expected
counts are derived from the fates below, never from the code under test, and /tonghop at every
level, the chart's data, Word, Excel, the digest and `reminders preview` must all agree.
"""

from __future__ import annotations

import io
from collections import Counter
from datetime import datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from docx import Document
from openpyxl import load_workbook

from bot.domain.address import Address
from bot.plan import check_plan
from bot.presenters.chart import chart_units, target_bars
from bot.presenters.docx_report import consolidated_docx
from bot.presenters.summary import summary_lines, unit_status_lines
from bot.presenters.xlsx_export import workbook_xlsx
from bot.services.outbox import render_message
from bot.services.summary import SummaryService
from tests.storage.test_levels_campaign import plain_html, reminder_service
from tests.summary_support import Seed
from tests.support import plain

PLAN, WARNINGS = check_plan(Path(__file__).parents[1] / "plan" / "fixtures" / "weekly-levels.yaml")
TZ = ZoneInfo("Asia/Ho_Chi_Minh")
ADMIN, HEAD = Address("telegram", "900001"), Address("telegram", "900002")
WEEKS = ("2026-W46", "2026-W47", "2026-W48")
CURRENT = WEEKS[-1]
COMMUNES = ("xa-a1", "xa-a2", "xa-a3", "xa-b1", "xa-b2", "xa-b3")
DISTRICTS = ("huyen-a", "huyen-b")
CHILDREN = {"huyen-a": COMMUNES[:3], "huyen-b": COMMUNES[3:]}
TARGET = 10  # flags a week per commune
NOW = datetime(2026, 11, 27, 17, 30, tzinfo=TZ)  # Friday of week 48, after every deadline


def due(rule: str, week: str) -> datetime:
    """The due time of one week of a rule, as the plan file sets it (Wed, Thu, Fri 17:00)."""
    return next(d.due for d in PLAN.deadlines if d.id == f"{rule}@{week}")


# A commune's fate in a week: done on time, done late, only an interim report, nothing, or
# done on time below the target; and the flags it reports.
ON_TIME, LATE, IN_PROGRESS, NOTHING, BELOW = "on_time", "late", "in_progress", "nothing", "below"
FATES: dict[str, dict[str, tuple[str, int]]] = {
    "2026-W46": {"xa-a1": (ON_TIME, 12), "xa-a2": (LATE, 10), "xa-a3": (BELOW, 7),
                 "xa-b1": (IN_PROGRESS, 4), "xa-b2": (NOTHING, 0), "xa-b3": (ON_TIME, 10)},
    "2026-W47": {"xa-a1": (ON_TIME, 11), "xa-a2": (ON_TIME, 10), "xa-a3": (NOTHING, 0),
                 "xa-b1": (ON_TIME, 10), "xa-b2": (LATE, 13), "xa-b3": (BELOW, 9)},
    # Bình Yên first sends an interim report, then the finished one before the due time.
    "2026-W48": {"xa-a1": (ON_TIME, 15), "xa-a2": (IN_PROGRESS, 6), "xa-a3": (BELOW, 8),
                 "xa-b1": (LATE, 10), "xa-b2": (NOTHING, 0), "xa-b3": (ON_TIME, 10)},
}
NO_SEAT = {"xa-b2"}  # never registered: the secretariat chases it, nobody can nudge it
# Consolidated reports: (unit, week) -> issued at, or None for a draft export only.
ISSUES: dict[tuple[str, str], datetime | None] = {
    ("huyen-a", "2026-W46"): datetime(2026, 11, 12, 10, tzinfo=TZ),
    ("huyen-b", "2026-W46"): datetime(2026, 11, 13, 9, tzinfo=TZ),  # a day late
    ("huyen-a", "2026-W47"): None,  # a draft: meets nothing
    ("huyen-b", "2026-W47"): datetime(2026, 11, 19, 11, tzinfo=TZ),
    ("huyen-a", "2026-W48"): datetime(2026, 11, 26, 15, tzinfo=TZ),
    ("huyen-b", "2026-W48"): None,
    ("van-phong", "2026-W46"): datetime(2026, 11, 13, 16, tzinfo=TZ),
    ("van-phong", "2026-W47"): datetime(2026, 11, 21, 9, tzinfo=TZ),  # late
    ("van-phong", "2026-W48"): None,
}


# --- the one independent count ------------------------------------------------------------

def state(commune: str, week: str) -> str:
    """Where a commune stands against its week's deadline, by hand."""
    fate = FATES[week][commune][0]
    return {ON_TIME: "on_time", BELOW: "on_time", LATE: "late", IN_PROGRESS: "in_progress",
            NOTHING: "missing"}[fate]


def counts(communes, week: str) -> Counter:
    """Communes per state in one week (a state no commune is in counts 0)."""
    return Counter(state(commune, week) for commune in communes)


def task_state(commune: str) -> str:
    """The state of the commune's one task this week, as /tonghop and the chart count it."""
    fate = FATES[CURRENT][commune][0]
    return {ON_TIME: "done", BELOW: "done", LATE: "done", IN_PROGRESS: "in_progress",
            NOTHING: "not_reported"}[fate]


def flags(communes) -> int:
    """Flags reported this week (an interim report's figures are the work so far)."""
    return sum(FATES[CURRENT][commune][1] for commune in communes)


def below_target(communes) -> list[str]:
    """This week's communes under 10 flags, in plan order."""
    return [commune for commune in communes if FATES[CURRENT][commune][1] < TARGET]


def issue_state(unit: str, week: str, rule: str) -> str:
    """A consolidating unit against its week: its own issue only, never a draft."""
    at = ISSUES[(unit, week)]
    if at is None:
        return "missing"
    return "on_time" if at <= due(rule, week) else "late"


# --- the campaign, in simulated time ------------------------------------------------------

def script() -> Seed:
    """Seats and every commune's reports, week by week."""
    seed = Seed(PLAN.id)
    for number, unit in enumerate(u.id for u in PLAN.focal_point_units):
        if unit not in NO_SEAT:
            seed.seat(unit, PLAN.start + timedelta(minutes=number), 700000 + number)
    versions = Counter()

    def report(commune, at, status, flag_count, week):
        versions[commune] += 1
        seed.report(commune, "treo-co", at, status, version=versions[commune],
                    figures={"co": flag_count}, period=week)

    for week in WEEKS:
        deadline = due("xa-bao-cao", week)
        for commune, (fate, count) in FATES[week].items():
            if fate in (ON_TIME, BELOW):
                if commune == "xa-b3" and week == CURRENT:
                    report(commune, deadline - timedelta(days=2), "in_progress", 4, week)
                report(commune, deadline - timedelta(hours=5), "done", count, week)
            elif fate == LATE:
                report(commune, deadline + timedelta(hours=3), "done", count, week)
            elif fate == IN_PROGRESS:
                report(commune, deadline - timedelta(days=1), "in_progress", count, week)
    return seed


@pytest.fixture
async def campaign(uow_factory):
    assert WARNINGS == []
    async with uow_factory() as uow:
        await uow.campaigns.sync(PLAN, PLAN.start)
        await uow.commit()
    await script().store(uow_factory)
    service = SummaryService(PLAN, uow_factory)
    for (unit, week), at in ISSUES.items():
        rule = "tinh-tong-hop" if unit == PLAN.secretariat else "huyen-tong-hop"
        if at is None:  # a draft the day of the deadline: counts for nothing
            draft = due(rule, week) - timedelta(hours=2)
            await service.record_consolidated(draft, ADMIN, {}, unit_id=unit)
        else:
            await service.issue_consolidated(unit, at, ADMIN)
    return service


def _counts_line(tally: Counter) -> str:
    return plain("summary.deadline_counts", on_time=tally["on_time"], late=tally["late"],
                 in_progress=tally["in_progress"], missing=tally["missing"],
                 total=sum(tally.values()))


def _trend(communes) -> str:
    values = " · ".join(f"{counts(communes, week)['on_time']}/{len(communes)}"
                        for week in WEEKS)
    return plain("summary.period_trend", count=len(WEEKS), values=values)


def _name(unit: str) -> str:
    return PLAN.unit(unit).short_name


def _below_line(communes) -> str:
    return plain("summary.target_below", units="; ".join(
        f"{_name(c)} {FATES[CURRENT][c][1]}/{TARGET} lá (đạt {FATES[CURRENT][c][1] * 10} %)"
        for c in below_target(communes)))


def test_the_hand_count_itself():
    """The expected counts, read off the fates table once by eye."""
    assert [counts(COMMUNES, week) for week in WEEKS] == [
        Counter(on_time=3, late=1, in_progress=1, missing=1),
        Counter(on_time=4, late=1, in_progress=0, missing=1),
        Counter(on_time=3, late=1, in_progress=1, missing=1),
    ]
    assert flags(COMMUNES) == 15 + 6 + 8 + 10 + 0 + 10
    assert below_target(COMMUNES) == ["xa-a2", "xa-a3", "xa-b2"]


async def test_every_output_tells_the_same_counts(campaign, uow_factory):
    # /tonghop of the province: this week's deadline over all six communes, its trend, the
    # districts' level, the province's own, each commune's task this week, figures, targets.
    whole = await campaign.summary(NOW)
    text = plain_html("\n".join(summary_lines(whole, PLAN, "vi")))
    this_week = counts(COMMUNES, CURRENT)
    assert _counts_line(this_week) in text
    assert plain("summary.period_week", number=48, year=2026, start="18/11", end="24/11") in text
    assert _trend(COMMUNES) in text
    not_issued = [d for d in DISTRICTS if issue_state(d, CURRENT, "huyen-tong-hop") == "missing"]
    assert plain("summary.consolidation_level", title=next(
        d.title for d in PLAN.deadlines if d.id == f"huyen-tong-hop@{CURRENT}"),
        due="26/11/2026 17:00", issued=len(DISTRICTS) - len(not_issued), total=len(DISTRICTS),
        missing=plain("summary.consolidation_level_missing",
                      units="; ".join(_name(d) for d in not_issued))) in text
    assert plain("summary.consolidation_pending", title=next(
        d.title for d in PLAN.deadlines if d.id == f"tinh-tong-hop@{CURRENT}"),
        due="27/11/2026 17:00", remaining=plain("summary.overdue", duration="30 phút")) in text
    for commune in COMMUNES:
        token = plain(f"summary.token_{task_state(commune)}", count=1)
        assert f"• {_name(commune)}: {token} — " in text, commune
    assert plain("summary.figure_line", label="Số cờ đã treo",
                 total=f"{flags(COMMUNES)} lá") in text
    below = below_target(COMMUNES)
    assert plain("summary.target_line_units", label="Số cờ đã treo",
                 met=len(COMMUNES) - len(below), count=len(COMMUNES)) in text
    assert _below_line(COMMUNES) in text

    # `daumoi summary --json`: the same week, the same flags, the same units below target.
    data = whole.as_json()
    week = next(d for d in data["deadlines"] if d["id"] == f"xa-bao-cao@{CURRENT}")
    assert {key: sorted(week[key]) for key in ("on_time", "late", "in_progress", "missing")} == {
        key: sorted(c for c in COMMUNES if state(c, CURRENT) == key)
        for key in ("on_time", "late", "in_progress", "missing")}
    assert data["figures"] == {"Số cờ đã treo": flags(COMMUNES)}
    assert data["targets"][0]["below"] == below

    # /tonghop of a district: its own three communes only, the same definitions, its own
    # consolidated report, and the target its communes owe together (3 × 10 flags).
    for district, children in CHILDREN.items():
        scoped = await campaign.summary(NOW, district)
        lines = plain_html("\n".join(summary_lines(scoped, PLAN, "vi")))
        assert _counts_line(counts(children, CURRENT)) in lines
        assert _trend(children) in lines
        assert plain("summary.figure_line", label="Số cờ đã treo",
                     total=f"{flags(children)} lá") in lines
        owed = TARGET * len(children)
        assert plain("summary.target_line", label="Số cờ đã treo", result=f"{flags(children)} lá",
                     target=f"{owed} lá", percent=flags(children) * 100 // owed) in lines
        assert _below_line(children) in lines
        title = next(d.title for d in PLAN.deadlines if d.id == f"huyen-tong-hop@{CURRENT}")
        if issue_state(district, CURRENT, "huyen-tong-hop") == "missing":
            assert plain("summary.consolidation_pending", title=title, due="26/11/2026 17:00",
                         remaining=plain("summary.overdue", duration="1 ngày")) in lines
        else:
            assert plain("summary.consolidation_on_time", title=title,
                         at="26/11/2026 15:00") in lines
        others = [_name(c) for c in COMMUNES if c not in children]
        assert not [name for name in others if name in lines]

    # A commune's own /tonghop: this week's state (an interim report is not done), its own
    # week-by-week trend, its own target.
    for commune in ("xa-a2", "xa-b2"):
        status = await campaign.unit_status(commune, NOW)
        own = plain_html("\n".join(unit_status_lines(status, PLAN, "vi")))
        values = " · ".join(plain(f"summary.trend_{state(commune, week)}") for week in WEEKS)
        assert plain("summary.unit_period_trend", count=len(WEEKS), values=values) in own
        result = FATES[CURRENT][commune][1]
        assert plain("summary.unit_target_below", label="Số cờ đã treo", result=str(result),
                     target=f"{TARGET} lá", percent=result * 10) in own
    status = await campaign.unit_status("xa-b2", NOW)
    assert plain("summary.unit_task_unreported", task="Trực quan Treo cờ Tổ quốc tại trụ sở, "
                 "nhà văn hóa thôn và các tuyến…") in plain_html(
        "\n".join(unit_status_lines(status, PLAN, "vi")))

    # The chart: each commune's task this week.
    charted = {unit.unit_id: Counter({k: v for k, v in unit.tasks.items() if v})
               for unit in chart_units(whole)}
    assert charted == {commune: Counter({task_state(commune): 1}) for commune in COMMUNES}
    # The target chart: a bar per commune (this week's flags of 10), and for a district one
    # more for its communes together (of 30) before theirs.
    bars = [(bar.percent, bar.below) for bar in target_bars(whole, PLAN, "vi")]
    assert bars == [(FATES[CURRENT][c][1] * 10, c in below) for c in COMMUNES]
    children = CHILDREN["huyen-b"]
    bars = [(bar.percent, bar.below) for bar in target_bars(
        await campaign.summary(NOW, "huyen-b"), PLAN, "vi")]
    assert bars == [(flags(children) * 100 // 30, flags(children) < 30)] + [
        (FATES[CURRENT][c][1] * 10, c in below) for c in children]

    # Word, the province's and a district's: this week's counts, totals and targets.
    def word(data) -> tuple[list[str], list[list[str]]]:
        document = Document(io.BytesIO(consolidated_docx(data, PLAN)))
        rows = [[cell.text for cell in row.cells] for table in document.tables[1:]
                for row in table.rows]
        return [p.text for p in document.paragraphs], rows

    paragraphs, rows = word(await campaign.consolidated(NOW))
    assert plain("consolidated.general_deadline", title=next(
        d.title for d in PLAN.deadlines if d.id == f"xa-bao-cao@{CURRENT}"),
        due="25/11/2026 17:00", total=6, on_time=this_week["on_time"], late=this_week["late"],
        in_progress=this_week["in_progress"], missing=this_week["missing"]) in paragraphs
    assert plain("consolidated.general_figures", figures=f"Số cờ đã treo: {flags(COMMUNES)} lá"
                 ) in paragraphs
    assert ["", "Tổng cộng", f"{flags(COMMUNES)} lá"] in rows
    reported = [c for c in COMMUNES if task_state(c) != "not_reported"]
    assert [row[1] for row in rows if row[0].isdigit()] == [PLAN.unit(c).name for c in reported]
    paragraphs, rows = word(await campaign.consolidated(NOW, "huyen-b"))
    children = CHILDREN["huyen-b"]
    assert ["", "Tổng cộng", f"{flags(children)} lá"] in rows
    assert ["", "Chỉ tiêu", f"{TARGET * len(children)} lá"] in rows
    assert not [p for p in paragraphs if PLAN.unit("xa-a1").name in p]

    # Excel: every week's state of every commune and every consolidating unit; this week's
    # task states and figures.
    book = load_workbook(io.BytesIO(workbook_xlsx(await campaign.workbook(NOW), PLAN, "vi",
                                                  with_phones=False)))
    sheet = book[plain("workbook.sheet_deadlines")]
    states = {(row[0], row[4]): row[6] for row in sheet.iter_rows(min_row=2, values_only=True)}
    expected = {(f"xa-bao-cao@{week}", c): plain(f"workbook.deadline_{state(c, week)}")
                for week in WEEKS for c in COMMUNES}
    for week in WEEKS:
        for district in DISTRICTS:
            expected[(f"huyen-tong-hop@{week}", district)] = plain(
                f"workbook.deadline_{issue_state(district, week, 'huyen-tong-hop')}")
        expected[(f"tinh-tong-hop@{week}", "van-phong")] = plain(
            f"workbook.deadline_{issue_state('van-phong', week, 'tinh-tong-hop')}")
    assert states == expected
    units = book[plain("workbook.sheet_units")]
    header = next(units.iter_rows(max_row=1, values_only=True))
    done, progress, unreported = (header.index(plain(key)) for key in (
        "workbook.state_done", "workbook.state_in_progress", "workbook.state_not_reported"))
    tasks = {row[1]: (row[done], row[progress], row[unreported])
             for row in units.iter_rows(min_row=2, values_only=True) if row[1] in COMMUNES}
    assert tasks == {c: tuple(int(task_state(c) == s)
                              for s in ("done", "in_progress", "not_reported"))
                     for c in COMMUNES}
    figures = {row[0]: row[6] for row in book[plain("workbook.sheet_figures")].iter_rows(
        min_row=2, values_only=True)}
    assert figures == {c: FATES[CURRENT][c][1] for c in reported}

    # Digest and nudges, as `reminders preview` at the same moment would print them.
    planned = await reminder_service(PLAN, uow_factory).preview(NOW)
    digest = next(p.message for p in planned if p.message.kind == "digest")
    rendered = plain_html(render_message(digest.text_key, "vi", digest.payload))
    not_done = [c for c in COMMUNES if state(c, CURRENT) in ("in_progress", "missing")]
    assert plain("reminders.digest_report", due="25/11/2026 17:00",
                 met=len(COMMUNES) - len(not_done), total=len(COMMUNES)) in rendered
    assert plain("reminders.digest_missing", units=", ".join(_name(c) for c in not_done)
                 ) in rendered
    assert plain("reminders.digest_consolidation", due="26/11/2026 17:00",
                 met=len(DISTRICTS) - len(not_issued), total=len(DISTRICTS)) in rendered
    assert plain("reminders.digest_consolidation", due="27/11/2026 17:00", met=0, total=1
                 ) in rendered

    def recipients(prefix: str) -> dict[str | None, set[str]]:
        return {p.message.recipient_unit_id: set(p.units) for p in planned
                if p.message.key.startswith(prefix)}

    week_key = f"deadline:xa-bao-cao@{CURRENT}"
    assert set(recipients(f"{week_key}:unit:")) == set(not_done) - NO_SEAT
    assert recipients(f"{week_key}:parent:") == {
        district: {c for c in children if c in not_done}
        for district, children in CHILDREN.items() if set(children) & set(not_done)}
    assert {unit for units in recipients(f"{week_key}:staff:").values() for unit in units} == (
        set(not_done) & NO_SEAT)
    assert set(recipients(f"deadline:huyen-tong-hop@{CURRENT}:unit:")) == set(not_issued)
    assert {unit for units in recipients(f"escalation:huyen-tong-hop@{CURRENT}:").values()
            for unit in units} == set(not_issued)


async def test_a_districts_issue_meets_its_own_week_only(campaign, uow_factory):
    """An Phú drafted week 47 and issued week 48 on time: the week-48 issue is not a late
    week-47 one, nor does Bình Sơn's week-47 issue meet week 48."""
    async with uow_factory() as uow:
        rows = {
            week: {row.unit_id: row.state.value for row in await uow.progress.deadline_status(
                PLAN.id, next(d for d in PLAN.deadlines if d.id == f"huyen-tong-hop@{week}"),
                NOW)}
            for week in WEEKS
        }
    assert rows == {"2026-W46": {"huyen-a": "on_time", "huyen-b": "late"},
                    "2026-W47": {"huyen-a": "missing", "huyen-b": "on_time"},
                    "2026-W48": {"huyen-a": "on_time", "huyen-b": "missing"}}


def _week_name(week: str, key: str = "consolidated.trend_period_week") -> str:
    period = next(d.period for d in PLAN.deadlines if d.id == f"xa-bao-cao@{week}")
    assert period is not None
    return plain(key, number=period.number, year=period.year,
                 start=period.start.strftime("%d/%m"), end=period.end.strftime("%d/%m"))


def _flags_in(communes, week: str) -> int:
    return sum(FATES[week][commune][1] for commune in communes)


def _at_target(communes, week: str) -> int:
    return sum(1 for commune in communes if FATES[week][commune][1] >= TARGET)


async def test_the_exports_show_this_week_and_the_trend(campaign):
    # Word of the province: this week's counts and data window only, then a row per week.
    document = Document(io.BytesIO(consolidated_docx(await campaign.consolidated(NOW), PLAN)))
    paragraphs = [p.text for p in document.paragraphs]
    assert plain("consolidated.period_week", number=48, year=2026, start="18/11",
                 end="24/11") in paragraphs
    assert not [p for p in paragraphs if "46/2026" in p or "47/2026" in p]
    trend = [[cell.text for cell in row.cells] for row in document.tables[1].rows]
    assert trend[1:] == [
        [_week_name(week), f"{due('xa-bao-cao', week):%d/%m/%Y %H:%M}",
         f"{counts(COMMUNES, week)['on_time']}/6",
         f"{counts(COMMUNES, week)['on_time'] + counts(COMMUNES, week)['late']}/6",
         plain("consolidated.trend_units_cell", result=f"{_flags_in(COMMUNES, week)} lá",
               met=_at_target(COMMUNES, week), count=6)]
        for week in WEEKS
    ]
    # ...and of a district: its communes' flags against the 30 they owe each week.
    document = Document(io.BytesIO(consolidated_docx(
        await campaign.consolidated(NOW, "huyen-a"), PLAN)))
    children = CHILDREN["huyen-a"]
    trend = [[cell.text for cell in row.cells] for row in document.tables[1].rows]
    assert [row[-1] for row in trend[1:]] == [
        plain("consolidated.trend_target_cell", result=f"{_flags_in(children, week)} lá",
              target="30 lá", percent=_flags_in(children, week) * 100 // 30)
        for week in WEEKS
    ]

    # Excel: a row per week up to this one, this week marked.
    book = load_workbook(io.BytesIO(workbook_xlsx(await campaign.workbook(NOW), PLAN, "vi",
                                                  with_phones=False)))
    rows = list(book[plain("workbook.sheet_periods")].iter_rows(min_row=2, values_only=True))
    assert rows == [
        (f"xa-bao-cao@{week}", _week_name(week, "workbook.period_week"),
         due("xa-bao-cao", week).replace(tzinfo=None), plain("workbook.yes" if week == CURRENT
                                                             else "workbook.no"),
         6, *(counts(COMMUNES, week)[s] for s in ("on_time", "late", "in_progress", "missing")),
         _flags_in(COMMUNES, week), None, None, _at_target(COMMUNES, week), 6)
        for week in WEEKS
    ]
