"""/tonghop and /xuat over the real python-telegram-bot stack and the fake Bot API.

The campaign is seeded before the clock's "now" (20/11/2023 09:00): reports are written as rows
(the reports flow is built elsewhere) and focal points added through the repository.
"""

from __future__ import annotations

import io
from datetime import timedelta

import pytest
from docx import Document
from openpyxl import load_workbook

from bot.domain.address import Address
from bot.domain.records import FocalPoint, FocalPointRole
from bot.presenters.common import format_when
from bot.presenters.summary import summary_messages, unit_status_messages
from tests.summary_support import kontum_campaign
from tests.support import Person, plain, tg

UNIT = "dai-ptth"
WAIT = 15.0


@pytest.fixture
async def campaign(runtime, clock, kontum_plan):
    """The scripted campaign, reported two days before the clock's now."""
    seed = kontum_campaign(kontum_plan, reported_at=clock.now() - timedelta(days=2))
    await seed.store(runtime.uow_factory)
    return seed


async def seat(runtime, person: Person, unit: str = UNIT,
               role: FocalPointRole = FocalPointRole.FOCAL_POINT) -> None:
    """Give a fake Telegram user a seat of a unit (the registration flow is tested elsewhere)."""
    now = runtime.services.clock.now()
    async with runtime.uow_factory() as uow:
        for current in await uow.focal_points.active_for_unit(runtime.plan.id, unit):
            if current.role is role:
                await uow.focal_points.end(current.id, now, "handover")
        await uow.focal_points.add(FocalPoint(
            runtime.plan.id, unit, role, tg(person.id), tg(person.id), "Nguyễn Văn Bình",
            "Phóng viên", "+84987654321", "vi", now, now,
        ))
        await uow.commit()


async def ask(person: Person, text: str, starts: str, chat=None):
    """Send a text (in a chat) and wait for the bot's message there that starts with `starts`."""
    person.api.send_text(person.user, text, chat=chat)
    target = chat.id if chat is not None else person.id
    return await person.api.wait_for_message(
        target, timeout=WAIT,
        predicate=lambda m: (m.text or m.caption or "").startswith(starts),
    )


def first_line(key: str, **values) -> str:
    return plain(key, **values).split("\n")[0]


def stored(api, message) -> bytes:
    return api.files[message.document["file_id"]].data


async def test_the_head_gets_the_summary_and_the_chart(bot, fake_api, head, campaign,
                                                       kontum_plan, clock):
    services = bot.runtime.services
    expected = summary_messages(await services.summary.summary(clock.now()), kontum_plan, "vi")
    now = format_when(clock.now(), kontum_plan.timezone)

    message = await ask(head, "/tonghop", first_line("summary.title", now=now))

    assert message.text == plain_html(expected[0])
    assert plain("summary.focal_points", registered=9, required=11) in message.text
    chart = await fake_api.wait_for_message(head.id, timeout=WAIT,
                                            predicate=lambda m: m.photo is not None)
    assert chart.caption == plain("summary.chart_caption", now=now)
    png = fake_api.files[chart.photo[-1]["file_id"]].data
    assert png.startswith(b"\x89PNG")
    assert chart.photo[-1]["width"] >= 1000  # readable on a phone


async def test_a_focal_point_sees_only_its_own_unit(bot, fake_api, runtime, campaign,
                                                    kontum_plan, clock):
    binh = Person(fake_api, fake_api.add_user("Bình"))
    await seat(runtime, binh)
    unit = kontum_plan.unit(UNIT).short_name
    now = format_when(clock.now(), kontum_plan.timezone)

    message = await ask(binh, "/tonghop", first_line("summary.unit_title", unit=unit, now=now))

    status = await runtime.services.summary.unit_status(UNIT, clock.now())
    [expected] = unit_status_messages(status, kontum_plan, "vi")
    assert message.text == plain_html(expected)
    # Of other units, only the leads of the tasks it cooperates on are named ("chủ trì: …").
    leads = {task.lead for task in kontum_plan.tasks_of(UNIT) if not task.leads_it(UNIT)}
    others = [u.short_name for u in kontum_plan.units if u.id not in {UNIT, *leads}]
    assert not [name for name in others if name in message.text]
    for lead in leads:
        assert plain("summary.unit_task_cooperating",
                     lead=kontum_plan.unit(lead).short_name) in message.text
    # One count in one message: the tasks listed, less those marked as not due by the unit's
    # report deadline, are the tasks that deadline counts ("x/N nhiệm vụ đến hạn").
    [row] = [row for deadline, row in status.deadlines if deadline.kind.value == "report"]
    not_due = message.text.count(plain("summary.unit_task_not_due"))
    assert plain("summary.unit_tasks_header", count=len(status.tasks)) in message.text
    assert len(status.tasks) - not_due == row.tasks_total and not_due > 0
    assert not [m for m in fake_api.sent_messages(binh.id) if m.photo]  # no campaign chart


async def test_a_deputy_sees_the_unit_too(bot, fake_api, runtime, campaign, kontum_plan, clock):
    an = Person(fake_api, fake_api.add_user("An"))
    await seat(runtime, an, "bao-kon-tum", FocalPointRole.DEPUTY)
    now = format_when(clock.now(), kontum_plan.timezone)
    title = first_line("summary.unit_title", unit="Báo Kon Tum", now=now)

    assert (await ask(an, "/summary", title)).text.startswith(title)


async def test_exports_are_refused_to_a_focal_point(bot, fake_api, runtime, campaign):
    binh = Person(fake_api, fake_api.add_user("Bình"))
    await seat(runtime, binh)
    refusal = plain("summary.export_not_allowed")

    for command in ("/xuat docx", "/export xlsx", "/xuat"):
        assert (await ask(binh, command, refusal)).text == refusal
    assert not [m for m in fake_api.sent_messages(binh.id) if m.document]
    async with runtime.uow_factory() as uow:
        entries = await uow.audit.recent(runtime.plan.id, limit=10)
    assert [e.action for e in entries].count("access.denied") == 3
    assert "report.consolidated" not in [e.action for e in entries]


async def test_a_stranger_gets_neither_the_summary_nor_an_export(bot, fake_api, stranger,
                                                                 campaign, kontum_plan):
    info = plain("common.stranger_info", campaign=kontum_plan.title,
                 secretariat=kontum_plan.unit("so-tttt").name)
    for command in ("/tonghop", "/xuat docx", "/export xlsx"):
        assert (await ask(stranger, command, info[:40])).text == info
    assert not [m for m in fake_api.sent_messages(stranger.id) if m.document or m.photo]


async def test_export_without_a_format_explains_the_two(bot, secretariat, campaign):
    usage = plain("summary.export_usage")
    assert (await ask(secretariat, "/xuat pdf", usage)).text == usage
    assert (await ask(secretariat, "/xuat", usage)).text == usage


async def test_the_secretariat_exports_the_consolidated_report(bot, fake_api, secretariat,
                                                               runtime, campaign, kontum_plan,
                                                               clock):
    now = format_when(clock.now(), kontum_plan.timezone)
    caption = plain("summary.docx_caption", now=now)

    message = await ask(secretariat, "/xuat docx", caption[:30])

    assert message.caption == caption
    assert message.document["file_name"].endswith(".docx")
    document = Document(io.BytesIO(stored(fake_api, message)))
    texts = [p.text for p in document.paragraphs]
    assert plain("consolidated.kind") in texts
    assert plain("consolidated.part_problems") in texts
    consolidation = next(d for d in kontum_plan.deadlines if d.kind.value == "consolidation")
    async with runtime.uow_factory() as uow:
        [state] = await uow.progress.deadline_status(kontum_plan.id, consolidation, clock.now())
        [entry] = [e for e in await uow.audit.recent(kontum_plan.id) if e.action.startswith(
            "report.consolidated")]
    assert state.state.value == "missing"  # a draft export meets nothing
    assert entry.actor == Address("telegram", str(secretariat.id))

    issued = plain("summary.issued", unit=kontum_plan.unit(kontum_plan.secretariat).short_name,
                   at=now)
    assert (await ask(secretariat, "/xuat phathanh", issued[:30])).text == issued
    async with runtime.uow_factory() as uow:
        [state] = await uow.progress.deadline_status(kontum_plan.id, consolidation, clock.now())
    assert state.state.value == "on_time"


async def test_phone_numbers_only_in_the_secretariats_private_spreadsheet(
    bot, fake_api, secretariat, head, campaign, kontum_plan, clock
):
    now = format_when(clock.now(), kontum_plan.timezone)
    phone = plain("workbook.col_phone")

    private = await ask(secretariat, "/xuat xlsx", plain("summary.xlsx_caption", now=now))
    head_copy = await ask(head, "/export xlsx", plain("summary.xlsx_caption_no_phones",
                                                      now=now)[:30])
    group = fake_api.add_group("Điều phối", [secretariat.user, head.user])
    # In a group the files are not posted at all (every unit's narratives): asked in private.
    refusal = await ask(secretariat, "/xuat xlsx", plain("summary.export_private_only")[:30],
                        chat=group)
    assert not [m for m in fake_api.sent_messages(group.id) if m.document]

    def headers(message):
        book = load_workbook(io.BytesIO(stored(fake_api, message)))
        sheet = book[plain("workbook.sheet_focal_points")]
        return [cell.value for cell in sheet[1]], book

    with_phones, book = headers(private)
    assert phone in with_phones
    values = [str(c.value) for row in book[plain("workbook.sheet_focal_points")] for c in row]
    assert "0912 340 000" in values
    assert phone not in headers(head_copy)[0]
    assert phone not in refusal.text and "0912" not in refusal.text


async def test_the_head_asks_for_the_summary_in_the_coordination_group(
    bot, fake_api, head, campaign, kontum_plan, clock
):
    group = fake_api.add_group("Điều phối", [head.user])
    now = format_when(clock.now(), kontum_plan.timezone)

    message = await ask(head, "/tonghop", first_line("summary.title", now=now), chat=group)

    assert message.chat_id == group.id
    assert "+84" not in message.text and "0912" not in message.text


async def test_staff_outputs_in_a_group_carry_no_narrative(
    bot, fake_api, head, secretariat, campaign, kontum_plan, clock
):
    group = fake_api.add_group("Điều phối", [head.user, secretariat.user])
    now = format_when(clock.now(), kontum_plan.timezone)
    problem = "Thiết bị phát sóng lưu động bị hỏng"

    private = await ask(head, "/tonghop", first_line("summary.title", now=now))
    private_text = "\n".join(m.text or "" for m in fake_api.sent_messages(head.id))
    assert problem in private_text and private.chat_id == head.id
    in_group = await ask(head, "/tonghop", first_line("summary.title", now=now), chat=group)
    await head.silence()
    group_text = "\n".join(m.text or "" for m in fake_api.sent_messages(group.id))
    assert in_group.chat_id == group.id
    assert problem not in group_text
    assert plain("summary.problems_private", count=1)[:20] in group_text
    for command in ("/xuat docx", "/export xlsx", "/xuat"):
        refusal = await ask(secretariat, command, plain("summary.export_private_only")[:30],
                            chat=group)
        assert refusal.chat_id == group.id
    assert not [m for m in fake_api.sent_messages(group.id) if m.document]


def plain_html(text: str) -> str:
    """An HTML message as Telegram shows it."""
    import html
    import re

    return html.unescape(re.sub(r"<[^>]+>", "", text))
