"""Drafts' lifetimes, codes found in text, the nearest command and commands typed in words."""

from __future__ import annotations

from datetime import datetime, timedelta

import pytest

from bot.services.access import Role
from bot.services.registration import codes_in, new_code
from handlers.router import typed_command
from handlers.suggest import distance, nearest


@pytest.mark.parametrize(("typed", "role", "expected"), [
    ("/tonhop", Role.FOCAL_POINT, ["tonghop"]),
    ("/TongHopp", Role.HEAD, ["tonghop"]),
    ("/sumary", Role.SECRETARIAT, ["summary"]),
    ("/bao_cao", Role.FOCAL_POINT, ["baocao"]),
    ("/baocaocuatio", Role.DEPUTY, ["baocaocuatoi"]),
    ("/repot", Role.FOCAL_POINT, ["report"]),
    ("/repot", Role.HEAD, []),  # the head reports for no unit
    ("/moii", Role.SECRETARIAT, ["moi"]),
    ("/moii", Role.FOCAL_POINT, []),
    ("dangki", Role.STRANGER, ["dangky"]),
    ("hello", Role.FOCAL_POINT, []),  # plain chat is not taken for /help
    ("/xyzabc", Role.SECRETARIAT, []),
])
def test_the_nearest_command_is_one_the_person_may_use(typed, role, expected):
    assert nearest(typed, role, "vi") == expected


def test_swapped_letters_count_once():
    assert distance("tonghpo", "tonghop") == 1
    assert distance("", "abc") == 3


@pytest.mark.parametrize(("text", "expected"), [
    ("bao cao", ("baocao", (), "")),
    ("Báo cáo 3", ("baocao", ("3",), "3")),
    ("dang ky ABCDEF", ("dangky", ("ABCDEF",), "ABCDEF")),
    ("bao cao cua toi", ("baocaocuatoi", (), "")),
    ("Báo cáo kết quả tháng 11 của đơn vị", None),  # a sentence, not a command
    ("tong hop", ("tonghop", (), "")),
])
def test_commands_typed_in_words(text, expected):
    assert typed_command(text) == expected


def test_codes_are_found_in_letters_and_links_but_not_in_words():
    code = new_code()
    assert codes_in(f"Mã mời: {code}. Trân trọng.") == [code]
    assert codes_in(f"https://t.me/daumoi_bot?start={code}") == [code]
    assert codes_in("Kính gửi các đồng chí, chuyenvientuyentruyen xin báo cáo") == []


def test_a_report_draft_is_kept_until_its_deadline_then_the_campaign_end(kontum_plan):
    from bot.services.reporting import ReportingService

    service = ReportingService.__new__(ReportingService)
    service._plan = kontum_plan
    data = {"unit_id": "bao-kon-tum", "task_id": "bao-kon-tum-tuyen-truyen"}
    deadline = next(d for d in kontum_plan.deadlines if d.id == "bao-cao-don-vi")
    before = deadline.due - timedelta(days=3)
    assert service.keep_until(data, before) == deadline.due
    assert service.keep_until(data, deadline.due + timedelta(hours=1)) == kontum_plan.end
    assert isinstance(before, datetime)


async def test_a_command_with_no_draft_open_takes_no_write_lock(database_file):
    from bot.services.dialogue import DialogueService
    from bot.services.replies import Actor
    from storage.db import create_engine
    from storage.uow import make_uow_factory
    from tests.support import tg

    engine = create_engine(f"sqlite+aiosqlite:///{database_file}")
    factory = make_uow_factory(engine)
    opened: list[bool] = []

    def recording(*, read_only: bool = False, **options):
        opened.append(read_only)
        return factory(read_only=read_only, **options)

    try:
        dialogue = DialogueService(recording)
        actor = Actor(tg(1), tg(1), "vi")
        now = datetime(2023, 11, 20, 9, 0).astimezone()
        assert await dialogue.hold(actor, now) is None
        assert await dialogue.has_draft(actor, now) is False
    finally:
        await engine.dispose()
    assert opened == [True, True]  # looked, never locked
