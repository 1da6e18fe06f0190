"""A two-level campaign played through once, every output checked against one count made here.

The shipped Phú Thọ plan: 34 communes and wards report to the five boards (Ban bầu cử) of their
electoral units by D1, each board consolidates by D2, the province by D3. The script below gives
each commune one of five fates; the expected counts are derived from those fates by hand, never
from the code under test, and /tonghop (province, board, commune), the chart's data, the Word
report (whole and a board's subtree), the spreadsheet, the digest and `reminders preview` must
all say the same.
"""

from __future__ import annotations

import io
from collections import Counter
from datetime import timedelta
from pathlib import Path

import pytest
from docx import Document
from openpyxl import load_workbook

from bot.domain.address import Address
from bot.plan import load_plan
from bot.presenters.chart import chart_units, status_chart
from bot.presenters.common import shorten
from bot.presenters.docx_report import consolidated_docx
from bot.presenters.summary import summary_lines, unit_status_lines
from bot.presenters.xlsx_export import workbook_xlsx
from bot.services.outbox import OutboxService, render_message
from bot.services.reminders import ReminderService
from bot.services.schedule import ReminderPolicy
from bot.services.summary import SummaryService
from tests.summary_support import Seed
from tests.support import plain


def plain_html(text: str) -> str:
    """An HTML message as Telegram shows it."""
    import html
    import re

    return html.unescape(re.sub(r"<[^>]+>", "", text))

def reminder_service(plan, uow_factory) -> ReminderService:
    """The reminders of a plan for one secretariat member and one head, as the CLI builds it."""
    policy = ReminderPolicy(plan.timezone)
    return ReminderService(plan, uow_factory, None, policy,
                           OutboxService(plan, uow_factory, None, policy, [ADMIN]),
                           [ADMIN], [HEAD])


PLAN = load_plan(Path(__file__).parents[2] / "plans" / "phutho-bau-cu-2026.yaml")
D1, D2, D3 = (next(d for d in PLAN.deadlines if d.id == i).due
              for i in ("bc-xa", "th-ban-bau-cu", "th-tinh"))
COMMUNES = [unit.id for unit in PLAN.units if unit.kind == "xa"]
BOARDS = [unit.id for unit in PLAN.units if unit.kind == "ban-bau-cu"]
TASKS = [task.id for task in PLAN.tasks if task.lead == "cac-xa"]
NO_SEAT = {COMMUNES[7], COMMUNES[20]}  # never registered: cannot be nudged
NOW = VN_NOW = D2 + timedelta(hours=24, minutes=30)  # Monday 09/03/2026 17:30
ADMIN, HEAD = Address("telegram", "900001"), Address("telegram", "900002")

# The five fates of a commune, by its position in the plan modulo five.
ON_TIME, LATE, IN_PROGRESS, MISSING, REOPENED = range(5)


def fate(commune: str) -> int:
    """What the script makes of a commune."""
    return COMMUNES.index(commune) % 5


def expected_state(commune: str) -> str:
    """Where a commune stands against D1, by hand: a reopened task closed again before the
    due time is on time; a problem or an interim report is never done."""
    return {ON_TIME: "on_time", LATE: "late", IN_PROGRESS: "in_progress", MISSING: "missing",
            REOPENED: "on_time"}[fate(commune)]


def expected_latest(commune: str) -> Counter:
    """The latest status of each of the commune's four tasks, by hand."""
    return Counter({ON_TIME: {"done": 4}, LATE: {"done": 4}, REOPENED: {"done": 4},
                    IN_PROGRESS: {"done": 2, "problem": 1, "not_reported": 1},
                    MISSING: {"not_reported": 4}}[fate(commune)])


def script() -> Seed:
    """Seats and reports: the whole campaign, in simulated time."""
    seed = Seed(PLAN.id)
    start = PLAN.start + timedelta(days=1)
    for number, unit in enumerate(u.id for u in PLAN.focal_point_units):
        if unit not in NO_SEAT:
            seed.seat(unit, start + timedelta(minutes=number), 700000 + number)
    for commune in COMMUNES:
        early = D1 - timedelta(days=2)
        kind = fate(commune)
        for index, task in enumerate(TASKS):
            figures = {m.id: 2 + index for t in PLAN.tasks if t.id == task for m in t.metrics}
            if kind == ON_TIME:
                seed.report(commune, task, early + timedelta(hours=index), figures=figures)
            elif kind == LATE:
                at = D1 + timedelta(hours=2) if index == 3 else early
                seed.report(commune, task, at, figures=figures)
            elif kind == IN_PROGRESS and index < 3:
                status = "problem" if index == 2 else "done"
                seed.report(commune, task, early, status, figures=figures)
            elif kind == REOPENED:
                seed.report(commune, task, early - timedelta(days=1), figures=figures)
                if index == 0:  # reopened (interim report), closed again before D1
                    seed.report(commune, task, early, "in_progress", version=2)
                    seed.report(commune, task, D1 - timedelta(hours=1), version=3,
                                figures=figures)
    return seed


def expected_counts(communes: list[str]) -> Counter:
    """Units per state against D1, by hand."""
    return Counter(expected_state(commune) for commune in communes)


@pytest.fixture
async def campaign(uow_factory):
    async with uow_factory() as uow:
        await uow.campaigns.sync(PLAN, PLAN.start)
        await uow.commit()
    await script().store(uow_factory)
    service = SummaryService(PLAN, uow_factory)
    # bbc-1 issues on time, bbc-3 late; bbc-2 only drafts (an export), bbc-4/5 do nothing.
    await service.record_consolidated(D2 - timedelta(hours=3), ADMIN, {}, unit_id="bbc-2")
    await service.issue_consolidated("bbc-1", D2 - timedelta(hours=1), ADMIN)
    await service.issue_consolidated("bbc-3", D2 + timedelta(hours=1), ADMIN)
    # The province drafts its report: that meets nothing.
    await service.record_consolidated(NOW - timedelta(hours=1), ADMIN, {})
    return service


def _counts_line(counts: Counter) -> str:
    return plain("summary.deadline_counts", on_time=counts["on_time"], late=counts["late"],
                 in_progress=counts["in_progress"], missing=counts["missing"],
                 total=sum(counts.values()))


def _children(board: str) -> list[str]:
    return [commune for commune in COMMUNES if PLAN.unit(commune).parent == board]


async def test_every_output_tells_the_same_counts(campaign, uow_factory):
    whole = await campaign.summary(NOW)
    text = plain_html("\n".join(summary_lines(whole, PLAN, "vi")))

    # /tonghop of the province: D1 over all 34 communes, the boards' level, the province's own.
    everyone = expected_counts(COMMUNES)
    # 34 communes: positions 0-33 modulo 5 give 7, 7, 7, 7 and 6 of the five fates.
    assert everyone == Counter(on_time=7 + 6, late=7, in_progress=7, missing=7)
    assert _counts_line(everyone) in text
    assert plain("summary.consolidation_level", title=next(
        d.title for d in PLAN.deadlines if d.id == "th-ban-bau-cu"), due="08/03/2026 17:00",
        issued=2, total=5, missing=plain("summary.consolidation_level_missing",
                                         units="Ban bầu cử số 2; Ban bầu cử số 4; "
                                               "Ban bầu cử số 5")) in text
    province = next(item for item in whole.deadlines if item.deadline.id == "th-tinh")
    assert [row.state.value for row in province.states] == ["missing"]  # a draft is nothing

    # /tonghop of a board: its own communes only, the same definition.
    for board in BOARDS:
        scoped = await campaign.summary(NOW, board)
        lines = plain_html("\n".join(summary_lines(scoped, PLAN, "vi")))
        assert _counts_line(expected_counts(_children(board))) in lines
        others = [PLAN.unit(c).short_name for c in COMMUNES if c not in _children(board)]
        assert not [name for name in others if f"{name} " in lines or f"{name}," in lines]

    # A commune's own /tonghop: its four tasks, none "phối hợp", the same done count.
    in_progress = next(c for c in COMMUNES if fate(c) == IN_PROGRESS)
    status = await campaign.unit_status(in_progress, NOW)
    own = plain_html("\n".join(unit_status_lines(status, PLAN, "vi")))
    assert plain("summary.unit_tasks_header", count=4) in own
    assert "phối hợp" not in own
    assert plain("summary.unit_deadline_in_progress", title=shorten(next(
        d.title for d in PLAN.deadlines if d.id == "bc-xa"), 90), due="05/03/2026 17:00",
        remaining=plain("summary.overdue", duration="4 ngày"), done=2, total=4) in own

    # The chart: per commune, the latest status of each task.
    charted = {unit.unit_id: Counter({k: v for k, v in unit.tasks.items() if v})
               for unit in chart_units(whole)}
    # (The chart shows at most MAX_UNITS units: those with the most work left.)
    assert charted and set(charted) <= {*COMMUNES, *BOARDS}
    for unit in charted:
        # A board's own duty (checking its communes) is reported in its consolidated report.
        expected = Counter(not_reported=1) if unit in BOARDS else expected_latest(unit)
        assert charted[unit] == expected, unit
    assert status_chart(whole, PLAN, "vi").startswith(b"\x89PNG")

    # Word, the province's and a board's: the same counts in the general part.
    def general(data, counts):
        document = Document(io.BytesIO(consolidated_docx(data, PLAN)))
        paragraphs = [p.text for p in document.paragraphs]
        line = plain("consolidated.general_deadline", title=next(
            d.title for d in PLAN.deadlines if d.id == "bc-xa"), due="05/03/2026 17:00",
            total=sum(counts.values()), on_time=counts["on_time"], late=counts["late"],
            in_progress=counts["in_progress"], missing=counts["missing"])
        return line in paragraphs, paragraphs

    found, _ = general(await campaign.consolidated(NOW), everyone)
    assert found
    found, paragraphs = general(await campaign.consolidated(NOW, "bbc-2"),
                                expected_counts(_children("bbc-2")))
    assert found
    outside = PLAN.unit(_children("bbc-1")[0]).name
    assert not [p for p in paragraphs if outside in p]  # the subtree only

    # Excel: the deadline sheet's state of every commune.
    book = load_workbook(io.BytesIO(workbook_xlsx(await campaign.workbook(NOW), PLAN, "vi",
                                                  with_phones=False)))
    sheet = book[plain("workbook.sheet_deadlines")]
    states = {row[4]: row[6] for row in sheet.iter_rows(min_row=2, values_only=True)
              if row[0] == "bc-xa"}
    assert states == {c: plain(f"workbook.deadline_{expected_state(c)}") for c in COMMUNES}

    # Digest and nudges, as `reminders preview` at the same moment would print them.
    planned = await reminder_service(PLAN, uow_factory).preview(NOW)
    digest = next(p.message for p in planned if p.message.kind == "digest")
    rendered = plain_html(render_message(digest.text_key, "vi", digest.payload))
    met = everyone["on_time"] + everyone["late"]
    assert plain("reminders.digest_report", due="05/03/2026 17:00", met=met,
                 total=len(COMMUNES)) in rendered
    assert plain("reminders.digest_consolidation", due="08/03/2026 17:00", met=2,
                 total=5) in rendered

    nudged = {p.message.recipient_unit_id for p in planned
              if p.message.key.startswith("deadline:bc-xa:unit:")}
    not_done = {c for c in COMMUNES if expected_state(c) in ("in_progress", "missing")}
    assert nudged == not_done - NO_SEAT
    chased = {p.message.recipient_unit_id: set(p.units) for p in planned
              if p.message.key.startswith("deadline:bc-xa:parent:")}
    assert chased == {board: {c for c in _children(board) if c in not_done}
                      for board in BOARDS if any(c in not_done for c in _children(board))}
    # Units with nothing due by D1 (the boards, the province) hear nothing about it.
    assert not nudged & {*BOARDS, PLAN.secretariat}


async def test_a_board_meets_its_deadline_only_by_issuing_its_own_report(campaign, uow_factory):
    level = next(d for d in PLAN.deadlines if d.id == "th-ban-bau-cu")
    async with uow_factory() as uow:
        rows = await uow.progress.deadline_status(PLAN.id, level, NOW)
    assert {row.unit_id: row.state.value for row in rows} == {
        "bbc-1": "on_time", "bbc-2": "missing", "bbc-3": "late",
        "bbc-4": "missing", "bbc-5": "missing",
    }
    with pytest.raises(ValueError):
        await campaign.issue_consolidated(COMMUNES[0], NOW, ADMIN)  # a commune consolidates nothing
