"""A parent's focal point over the real Telegram stack: its subtree, its Word report, its issue.

The shipped Phú Thọ plan, on Monday 09/03/2026 17:30: the communes' deadline (05/03) and the
boards' (08/03) are past. The board of electoral unit no. 2 sees its nine communes and nobody
else's, drafts its own Word report, and meets its deadline only by saying it is issued.
"""

from __future__ import annotations

import io
from datetime import datetime
from pathlib import Path

import pytest
from docx import Document

from bot.plan import load_plan
from bot.presenters.common import format_when
from bot.services.clock import FixedClock
from tests.e2e.test_summary import ask, first_line, plain_html, seat, stored
from tests.storage.test_levels_campaign import VN_NOW, script
from tests.support import Person, plain

PLAN = load_plan(Path(__file__).parents[2] / "plans" / "phutho-bau-cu-2026.yaml")
BOARD = "bbc-2"


@pytest.fixture
def kontum_plan():  # noqa: ANN201 - the conftest's plan fixture, for another plan
    return PLAN


@pytest.fixture
def clock() -> FixedClock:
    return FixedClock(VN_NOW)


@pytest.fixture
async def campaign(runtime):
    await script().store(runtime.uow_factory)


def _children() -> list[str]:
    return [unit.id for unit in PLAN.units if unit.parent == BOARD]


async def test_a_board_sees_its_communes_drafts_and_issues_its_report(bot, fake_api, runtime,
                                                                       campaign, clock):
    person = Person(fake_api, fake_api.add_user("Hà"))
    await seat(runtime, person, BOARD)
    now = format_when(clock.now(), PLAN.timezone)

    await ask(person, "/tonghop", first_line("summary.unit_title",
                                            unit=PLAN.unit(BOARD).short_name, now=now))
    subtree = await ask(person, "/tonghop", first_line("summary.title", now=now))
    text = subtree.text
    assert PLAN.unit(_children()[0]).short_name in text
    others = [u.short_name for u in PLAN.units
              if u.parent not in (None, BOARD) and u.short_name not in text]
    assert len(others) == len([u for u in PLAN.units if u.parent not in (None, BOARD)])
    expected = await runtime.services.summary.summary(clock.now(), BOARD)
    assert plain("summary.deadline_counts", on_time=len(expected.deadlines[1].on_time),
                 late=len(expected.deadlines[1].late),
                 in_progress=len(expected.deadlines[1].in_progress),
                 missing=len(expected.deadlines[1].missing),
                 total=len(_children())) in plain_html(text)

    caption = plain("summary.docx_caption", now=now)
    message = await ask(person, "/xuat docx", caption[:30])
    paragraphs = [p.text for p in Document(io.BytesIO(stored(fake_api, message))).paragraphs]
    assert not [p for p in paragraphs if "Thanh Miếu" in p]  # a commune of board no. 1
    document = Document(io.BytesIO(stored(fake_api, message)))
    header = document.tables[0].rows[0].cells[0].text
    # The board issues it, under the province's Election Committee.
    assert PLAN.issuing_body in header and PLAN.unit(BOARD).name.upper() in header
    level = next(d for d in PLAN.deadlines if d.id == "th-ban-bau-cu")
    async with runtime.uow_factory() as uow:
        rows = await uow.progress.deadline_status(PLAN.id, level, clock.now())
    assert {r.unit_id: r.state.value for r in rows}[BOARD] == "missing"  # a draft

    refused = plain("summary.export_not_allowed")
    assert (await ask(person, "/xuat xlsx", refused[:30])).text == refused

    issued = plain("summary.issued", unit=PLAN.unit(BOARD).short_name, at=now)
    assert (await ask(person, "/xuat phathanh", issued[:30])).text == issued
    async with runtime.uow_factory() as uow:
        rows = await uow.progress.deadline_status(PLAN.id, level, clock.now())
    assert {r.unit_id: r.state.value for r in rows} == {
        "bbc-1": "missing", "bbc-2": "late", "bbc-3": "missing", "bbc-4": "missing",
        "bbc-5": "missing",
    }


async def test_a_commune_may_not_export_or_issue(bot, fake_api, runtime, campaign):
    person = Person(fake_api, fake_api.add_user("Lan"))
    await seat(runtime, person, _children()[0])
    refused = plain("summary.export_not_allowed")
    assert (await ask(person, "/xuat docx", refused[:30])).text == refused
    assert (await ask(person, "/xuat phathanh", refused[:30])).text == refused


def test_the_moment_is_after_both_deadlines() -> None:
    communes, boards = (next(d for d in PLAN.deadlines if d.id == i).due
                        for i in ("bc-xa", "th-ban-bau-cu"))
    assert communes < boards < VN_NOW < datetime(2026, 3, 10, tzinfo=VN_NOW.tzinfo)


async def test_a_broadcast_to_a_group_reaches_its_members_only(bot, fake_api, runtime,
                                                              secretariat):
    commune, board = _children()[0], BOARD
    people = {}
    for unit in (commune, board):
        people[unit] = Person(fake_api, fake_api.add_user(f"Đầu mối {unit}"))
        await seat(runtime, people[unit], unit)
    # (The bot's own ticks also write to the secretariat: wait for the answers by their text.)
    heading = plain("reminders.broadcast_preview_group", text="@", count=1,
                    group="Các xã, phường").split("@")[0]
    preview = await ask(secretariat, "/thongbao cac-xa Đề nghị niêm yết danh sách cử tri.",
                        heading)
    assert preview.text.startswith(heading + "Đề nghị niêm yết danh sách cử tri.")
    queued = plain("reminders.broadcast_queued", count=1)
    assert (await ask(secretariat, "1", queued)).text == queued
    message = await fake_api.wait_for_message(
        people[commune].id, timeout=15.0,
        predicate=lambda m: (m.text or "").endswith("Đề nghị niêm yết danh sách cử tri."))
    assert message is not None
    await runtime.tick()
    assert not [m for m in fake_api.sent_messages(people[board].id)
                if "niêm yết danh sách cử tri" in (m.text or "")]  # a board is no commune
    # A group nobody of which has registered: said so, nothing sent.
    nobody = plain("reminders.broadcast_nobody_group", group="Các Ban bầu cử đại biểu HĐND tỉnh")
    async with runtime.uow_factory() as uow:
        for current in await uow.focal_points.active_for_unit(PLAN.id, board):
            await uow.focal_points.end(current.id, runtime.services.clock.now(), "handover")
        await uow.commit()
    assert (await ask(secretariat, "/thongbao cac-ban-bau-cu Họp giao ban.", nobody)).text \
        == nobody


def _menu(parent: bool, locale: str = "vi") -> list[str]:
    from bot.services.access import Role
    from handlers.menu import commands_for

    return [cmd.menu_name(locale) for cmd in commands_for(Role.FOCAL_POINT, private=True,
                                                           parent=parent)]


async def test_a_board_s_menu_and_help_offer_its_export_and_a_commune_s_do_not(
        bot, fake_api, runtime):
    from bot.services.access import Role
    from tests.e2e.test_menus import menu_becomes
    from tests.support import help_text

    board = Person(fake_api, fake_api.add_user("Hà"))
    commune = Person(fake_api, fake_api.add_user("Lan"))
    await seat(runtime, board, BOARD)
    await seat(runtime, commune, _children()[0])
    for person in (board, commune):
        await ask(person, "/start", plain("common.start_member", campaign=PLAN.title,
                                          secretariat=PLAN.unit(PLAN.secretariat).name,
                                          name="Nguyễn Văn Bình",
                                          unit=PLAN.unit(BOARD).name)[:20])
    assert "xuat" in _menu(True) and "xuat" not in _menu(False)
    await menu_becomes(fake_api, board.user.id, _menu(True))
    await menu_becomes(fake_api, board.user.id, _menu(True, "en"), "en")
    await menu_becomes(fake_api, commune.user.id, _menu(False))
    entries = fake_api.visible_commands(board.user.id, "vi")
    assert {"command": "xuat", "description": plain("menu.export_parent")} in entries

    expected = help_text(Role.FOCAL_POINT, parent=True)
    assert plain("help.export_parent") in expected and plain("help.summary_parent") in expected
    assert (await ask(board, "/huongdan", expected[:20])).text == expected
    shown = (await ask(commune, "/huongdan", expected[:20])).text
    assert shown == help_text(Role.FOCAL_POINT) and "/xuat" not in shown
    # Asked without a format, the board is told only what it may do: no spreadsheet.
    usage = plain("summary.export_usage_parent")
    assert (await ask(board, "/xuat", usage[:20])).text == usage and "xlsx" not in usage
    # A mistyped /xuat is answered with /xuat for the board, which may use it.
    suggested = await ask(board, "/xuatt", plain("drafts.unknown_command_suggest",
                                                 typed="/xuatt", commands="/xuat")[:15])
    assert "/xuat" in suggested.text


async def test_on_zalo_a_board_s_help_names_its_export(database_url, clock):
    from bot.app import Runtime, running_bot
    from bot.domain.address import Address
    from bot.domain.records import FocalPoint, FocalPointRole
    from bot.fakezalo import FakeZaloApi
    from bot.services.access import Role
    from tests.e2e.test_zalo import TOKEN, zalo_settings
    from tests.support import help_text

    async with FakeZaloApi(token=TOKEN) as zalo:
        settings = zalo_settings(zalo, database_url)
        async with Runtime.open(settings, PLAN, clock) as runtime:
            await runtime.load_plan()
            board, commune = zalo.add_user("Hà"), zalo.add_user("Lan")
            now = clock.now()
            async with runtime.uow_factory() as uow:
                for user, unit in ((board, BOARD), (commune, _children()[0])):
                    address = Address("zalo", str(user.id))
                    await uow.focal_points.add(FocalPoint(
                        PLAN.id, unit, FocalPointRole.FOCAL_POINT, address, address,
                        "Nguyễn Văn Bình", "Chuyên viên", "+84912345678", "vi", now, now))
                await uow.commit()
            async with running_bot(runtime):
                zalo.send_text(board, "huongdan")  # Zalo has no menu: /huongdan is it
                message = await zalo.wait_for_message(board.id)
                assert message.text == help_text(Role.FOCAL_POINT, parent=True)
                assert "/xuat docx" in message.text and "/xuat phathanh" in message.text
                zalo.send_text(commune, "/huongdan")
                message = await zalo.wait_for_message(commune.id)
                assert message.text == help_text(Role.FOCAL_POINT)
                assert "/xuat" not in message.text
