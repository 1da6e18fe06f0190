"""/summary (/tonghop) with its chart and /export docx|xlsx (/xuat); roles checked every time.

The head and the secretariat see the whole campaign; a focal point or deputy sees the unit's own
status only; nobody else sees anything. Exports are for the head and the secretariat, in a private
chat only; phone numbers appear only in the secretariat's spreadsheet. In a group, /tonghop shows
the counts and figures but no narrative. Drawing the chart
and building the files is CPU work, so it runs in a worker thread, off the event loop.
"""

from __future__ import annotations

import asyncio

from bot.domain.plan import Plan
from bot.domain.progress import DeadlineState
from bot.presenters.common import format_when, local, unit_name
from bot.presenters.summary import summary_messages, unit_status_messages
from bot.services.access import Role, consolidating_unit
from bot.services.replies import Reply
from bot.services.summary import ExportData, Summary
from handlers.turn import Turn, refuse

DOCX = "docx"
XLSX = "xlsx"
ISSUE = "issue"
FORMATS = {"docx": DOCX, "word": DOCX, "xlsx": XLSX, "excel": XLSX,
           "phathanh": ISSUE, "banhanh": ISSUE, "issue": ISSUE, "issued": ISSUE}


def _stamp(turn: Turn) -> str:
    plan = turn.services.plan
    return local(turn.now, plan.timezone).strftime("%Y%m%d-%H%M")


async def summary(turn: Turn) -> None:
    """`/tonghop`: the campaign for staff, the unit's own status for its focal point."""
    identity = await turn.identity()
    services = turn.services
    plan = services.plan
    if identity.is_staff:
        result = await services.summary.summary(turn.now)
        # In a group every member reads it: figures and counts only, no unit's own words.
        await turn.lines(summary_messages(result, plan, turn.locale, narratives=turn.private))
        await turn.responder.action("upload_photo")
        png = await asyncio.to_thread(_chart, result, plan, turn.locale)
        caption = Reply("summary.chart_caption", {"now": format_when(result.now, plan.timezone)})
        await turn.responder.photo(png, caption, turn.locale)
        if result.targets:
            png = await asyncio.to_thread(_target_chart, result, plan, turn.locale)
            await turn.responder.photo(png, Reply("summary.target_chart_caption", {
                "now": format_when(result.now, plan.timezone)}), turn.locale)
        return
    if identity.is_member and identity.unit_id is not None:
        status = await services.summary.unit_status(identity.unit_id, turn.now)
        await turn.lines(unit_status_messages(status, plan, turn.locale))
        if (scope := consolidating_unit(identity, plan)) is not None:
            # A parent (a district) also sees the units that report to it, and only those.
            result = await services.summary.summary(turn.now, scope)
            await turn.lines(summary_messages(result, plan, turn.locale,
                                              narratives=turn.private))
        return
    await refuse(turn, identity, "summary.export_not_allowed")


async def _issue(turn: Turn, scope: str) -> None:
    """Record the issue, then say which period of each recurring consolidation it counted for."""
    plan = turn.services.plan
    met = await turn.services.summary.issue_consolidated(scope, turn.now, turn.inbound.sender)
    await turn.say("summary.issued", unit=unit_name(plan, scope),
                   at=format_when(turn.now, plan.timezone))
    for deadline, state in met:
        late = "_late" if state is DeadlineState.LATE else ""
        await turn.say(f"summary.issued_period{late}", title=deadline.title,
                       due=format_when(deadline.due, plan.timezone))


async def export(turn: Turn) -> None:
    """`/xuat docx|xlsx|phathanh`: the consolidated report or the spreadsheet, as a file, or
    the note that the consolidated report was signed and issued."""
    identity = await turn.identity()
    scope = consolidating_unit(identity, turn.services.plan)
    wanted = FORMATS.get(turn.args[0].lower()) if turn.args else None
    # A parent's focal point drafts and issues its own level's report, never the spreadsheet.
    if scope is None or (not identity.is_staff and wanted == XLSX):
        await refuse(turn, identity, "summary.export_not_allowed")
        return
    if wanted == ISSUE:
        await _issue(turn, scope)
        return
    if not turn.private:
        # Both files carry every unit's narratives (and the workbook phone numbers).
        await turn.say("summary.export_private_only")
        return
    if wanted is None:
        # A parent's focal point gets no spreadsheet: its usage names only what it may do.
        usage = "summary.export_usage" if identity.is_staff else "summary.export_usage_parent"
        await turn.say(usage)
        return
    services, plan, now = turn.services, turn.services.plan, turn.now
    await turn.responder.action("upload_document")
    when = {"now": format_when(now, plan.timezone)}
    if wanted == DOCX:
        # The secretariat's report covers everything; a parent's, its own subtree.
        level = None if identity.is_staff else scope
        data = await services.summary.consolidated(now, level)
        content = await asyncio.to_thread(_docx, data, plan)
        # A draft: only /xuat phathanh (the report signed and issued) meets the deadline.
        await services.summary.record_consolidated(
            now, turn.inbound.sender, {"format": DOCX, "bytes": len(content)}, unit_id=scope
        )
        name = f"bao-cao-tong-hop-{plan.id}-{_stamp(turn)}.docx"
        await turn.responder.document(content, name, Reply("summary.docx_caption", when),
                                      turn.locale)
        return
    # Phone numbers: only for the secretariat (exports never go into a group chat).
    with_phones = identity.role is Role.SECRETARIAT
    data = await services.summary.workbook(now)
    content = await asyncio.to_thread(_xlsx, data, plan, turn.locale, with_phones)
    await services.summary.record_export(
        now, turn.inbound.sender, {"format": XLSX, "phones": with_phones, "bytes": len(content)}
    )
    key = "summary.xlsx_caption" if with_phones else "summary.xlsx_caption_no_phones"
    name = f"so-lieu-{plan.id}-{_stamp(turn)}.xlsx"
    await turn.responder.document(content, name, Reply(key, when), turn.locale)


# The presenters pull in matplotlib, python-docx and openpyxl: imported on first use only.


def _chart(result: Summary, plan: Plan, locale: str) -> bytes:
    from bot.presenters.chart import status_chart

    return status_chart(result, plan, locale)


def _target_chart(result: Summary, plan: Plan, locale: str) -> bytes:
    from bot.presenters.chart import target_chart

    return target_chart(result, plan, locale)


def _docx(data: ExportData, plan: Plan) -> bytes:
    from bot.presenters.docx_report import consolidated_docx

    return consolidated_docx(data, plan)


def _xlsx(data: ExportData, plan: Plan, locale: str, with_phones: bool) -> bytes:
    from bot.presenters.xlsx_export import workbook_xlsx

    return workbook_xlsx(data, plan, locale, with_phones=with_phones)
