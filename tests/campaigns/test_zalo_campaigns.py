"""Two campaigns on Zalo, everything typed: an invite code picks its campaign, the bot asks
which campaign a summary is for, and `kehoach` switches."""

from __future__ import annotations

import pytest

from bot.domain.address import Address
from bot.domain.records import FocalPointRole
from tests.campaigns.conftest import KONTUM_ID, TET_ID, seat, serving
from tests.e2e.test_zalo import say, zalo, zalo_settings
from tests.support import plain

__all__ = ["zalo"]  # the fake Zalo server fixture
TET_TITLE = "Tuyên truyền mừng Đảng, mừng Xuân Giáp Thìn 2024 tại tỉnh Kon Tum"


@pytest.fixture
async def zbot(zalo, database_url, kontum_plan, tet_plan, both_clock):
    settings = zalo_settings(zalo, database_url)
    async with serving(settings, [kontum_plan, tet_plan], both_clock) as runtime:
        yield runtime


async def test_register_for_the_second_campaign_then_choose_by_typing(zbot, zalo) -> None:
    runtime = zbot
    lan = zalo.add_user("Lan")
    # Lan serves a unit Tết has no duty for: Tết asks her nothing before she registers.
    await seat(runtime, KONTUM_ID, "cong-ttdt", Address("zalo", lan.id))
    tet = runtime.services.of(TET_ID)
    issued = await tet.registration.issue_invites(
        None, FocalPointRole.FOCAL_POINT, runtime.services.clock.now())
    code = {invite.unit_id: invite.code for invite in issued}["dai-ptth"]

    # The code is Tết's: the registration is Tết's, though Lan already serves Kon Tum.
    welcome = await say(zalo, lan, f"dangky {code}")
    assert welcome.text == plain("registration.welcome_focal_point",
                                 unit="Đài Phát thanh và Truyền hình tỉnh")
    await zalo.wait_for_message(lan.id)  # consent
    await say(zalo, lan, "đồng ý")
    await say(zalo, lan, "Nguyễn Thị Lan")
    await say(zalo, lan, "Biên tập viên")
    await say(zalo, lan, "0912 345 678")
    await zalo.wait_for_message(lan.id)  # the card
    saved = await say(zalo, lan, "1")
    assert saved.text == plain("registration.saved", unit="Đài Phát thanh và Truyền hình tỉnh")
    await zalo.wait_for_message(lan.id)  # the unit's brief
    async with runtime.uow_factory() as uow:
        assert [s.unit_id for s in await uow.focal_points.active_for_user(
            TET_ID, Address("zalo", lan.id))] == ["dai-ptth"]

    asked = await say(zalo, lan, "tonghop")
    assert "đang tham gia 2 kế hoạch" in asked.text and f"2. {TET_TITLE}" in asked.text
    switched = await say(zalo, lan, "số 2 ạ")
    assert TET_TITLE in switched.text
    summary = await zalo.wait_for_message(lan.id)
    assert summary.text.startswith(f"🗂 Kế hoạch: {TET_TITLE}")

    listed = await say(zalo, lan, "kehoach")
    assert f"2. {TET_TITLE} (đang chọn)" in listed.text
    back = await say(zalo, lan, "kehoach 1")
    assert "Thông tin, tuyên truyền Chương trình Giao lưu" in back.text
