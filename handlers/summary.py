"""/summary (/tonghop) with its chart and /export docx|xlsx (/xuat); roles checked every time.

The head and the secretariat see the whole campaign; a focal point or deputy sees the unit's own
status only; nobody else sees anything. Exports are for the head and the secretariat; phone
numbers appear only in the secretariat's spreadsheet sent in a private chat. Drawing the chart
and building the files is CPU work, so it runs in a worker thread, off the event loop.
"""

from __future__ import annotations

import asyncio

from telegram import Update
from telegram.constants import ChatAction, ParseMode
from telegram.ext import ContextTypes

from bot.domain.plan import Plan
from bot.presenters.common import format_when, local
from bot.presenters.summary import summary_messages, unit_status_messages
from bot.services.access import Role
from bot.services.summary import ExportData, Summary
from handlers.context import Turn, refuse, turn_of

DOCX = "docx"
XLSX = "xlsx"
FORMATS = {"docx": DOCX, "word": DOCX, "xlsx": XLSX, "excel": XLSX}


def _stamp(turn: Turn) -> str:
    plan = turn.services.plan
    return local(turn.now, plan.timezone).strftime("%Y%m%d-%H%M")


async def summary(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """`/tonghop`: the campaign for staff, the unit's own status for its focal point."""
    turn = turn_of(update, context)
    identity = await turn.identity()
    services = turn.services
    plan = services.plan
    if identity.is_staff:
        result = await services.summary.summary(turn.now)
        for text in summary_messages(result, plan, turn.locale):
            await turn.answer(text)
        await turn.bot.send_chat_action(turn.chat_id, ChatAction.UPLOAD_PHOTO)
        png = await asyncio.to_thread(_chart, result, plan, turn.locale)
        await turn.bot.send_photo(
            turn.chat_id, png, parse_mode=ParseMode.HTML,
            caption=turn.text("summary.chart_caption",
                              now=format_when(result.now, plan.timezone)),
        )
        return
    if identity.is_member and identity.unit_id is not None:
        status = await services.summary.unit_status(identity.unit_id, turn.now)
        for text in unit_status_messages(status, plan, turn.locale):
            await turn.answer(text)
        return
    await refuse(update, context, identity, "summary.export_not_allowed")


async def export(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """`/xuat docx|xlsx`: the consolidated report or the spreadsheet, as a file."""
    turn = turn_of(update, context)
    identity = await turn.identity()
    if not identity.is_staff:
        await refuse(update, context, identity, "summary.export_not_allowed")
        return
    wanted = FORMATS.get(context.args[0].lower()) if context.args else None
    if wanted is None:
        await turn.answer(turn.text("summary.export_usage"))
        return
    services = turn.services
    plan = services.plan
    now = turn.now
    await turn.bot.send_chat_action(turn.chat_id, ChatAction.UPLOAD_DOCUMENT)
    if wanted == DOCX:
        data = await services.summary.consolidated(now)
        content = await asyncio.to_thread(_docx, data, plan)
        name = f"bao-cao-tong-hop-{plan.id}-{_stamp(turn)}.docx"
        # Producing the consolidated report is what meets the consolidation deadline.
        await services.summary.record_consolidated(
            now, turn.user_id, {"format": DOCX, "bytes": len(content)}
        )
        caption = turn.text("summary.docx_caption", now=format_when(now, plan.timezone))
        await turn.bot.send_document(turn.chat_id, content, filename=name, caption=caption,
                                     parse_mode=ParseMode.HTML)
        return
    # Phone numbers: only for the secretariat, and never into a group chat.
    with_phones = identity.role is Role.SECRETARIAT and turn.private
    data = await services.summary.workbook(now)
    content = await asyncio.to_thread(_xlsx, data, plan, turn.locale, with_phones)
    name = f"so-lieu-{plan.id}-{_stamp(turn)}.xlsx"
    key = "summary.xlsx_caption" if with_phones else "summary.xlsx_caption_no_phones"
    await services.summary.record_export(
        now, turn.user_id, {"format": XLSX, "phones": with_phones, "bytes": len(content)}
    )
    caption = turn.text(key, now=format_when(now, plan.timezone))
    await turn.bot.send_document(turn.chat_id, content, filename=name, caption=caption,
                                 parse_mode=ParseMode.HTML)


# The presenters pull in matplotlib, python-docx and openpyxl: imported on first use only.


def _chart(result: Summary, plan: Plan, locale: str) -> bytes:
    from bot.presenters.chart import status_chart

    return status_chart(result, plan, locale)


def _docx(data: ExportData, plan: Plan) -> bytes:
    from bot.presenters.docx_report import consolidated_docx

    return consolidated_docx(data, plan)


def _xlsx(data: ExportData, plan: Plan, locale: str, with_phones: bool) -> bytes:
    from bot.presenters.xlsx_export import workbook_xlsx

    return workbook_xlsx(data, plan, locale, with_phones=with_phones)
