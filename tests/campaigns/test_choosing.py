"""A person in several campaigns: which one a command is about, /kehoach, and the nudges."""

from __future__ import annotations

from tests.campaigns.conftest import KONTUM_ID, TET_ID, seat
from tests.conftest import ADMIN_ID
from tests.support import Person, plain, tg

TET_TITLE = "Tuyên truyền mừng Đảng, mừng Xuân Giáp Thìn 2024 tại tỉnh Kon Tum"
KONTUM_START = "Thông tin, tuyên truyền Chương trình Giao lưu Hữu nghị"


async def test_a_summary_asks_which_campaign_then_says_which_it_is_about(
        two_campaigns, fake_api) -> None:
    person = Person(fake_api, fake_api.add_user("Đầu mối Báo Kon Tum", id=5001))
    for campaign in (TET_ID, KONTUM_ID):  # Tết first: no carry-on question races in
        await seat(two_campaigns.runtime, campaign, "bao-kon-tum", tg(person.id))

    asked = await person.say("/tonghop")
    assert "đang tham gia 2 kế hoạch" in asked.text
    assert f"1. {KONTUM_START}" in asked.text and f"2. {TET_TITLE}" in asked.text

    wrong = await person.say("7")  # no such plan: asked again, nothing switched
    assert "số thứ tự của kế hoạch" in wrong.text
    switched = await person.say("2")
    assert f"Đã chuyển sang kế hoạch «{TET_TITLE}»" in switched.text
    summary = await person.reply()
    assert summary.text.startswith(f"🗂 Kế hoạch: {TET_TITLE}")
    # Tết's tasks of Báo Kon Tum, none of the border exchange's.
    assert "Mừng Đảng, mừng Xuân Giáp Thìn 2024" in summary.text

    # From now on it is clear: the next summary goes to Tết without a question.
    again = await person.say("/tonghop")
    assert again.text.startswith(f"🗂 Kế hoạch: {TET_TITLE}")


async def test_kehoach_lists_the_campaigns_and_switches(two_campaigns, fake_api) -> None:
    person = Person(fake_api, fake_api.add_user("Đầu mối Đài", id=5003))
    for campaign in (TET_ID, KONTUM_ID):  # Tết first: no carry-on question races in
        await seat(two_campaigns.runtime, campaign, "dai-ptth", tg(person.id))

    listed = await person.say("/kehoach")
    assert "đang tham gia 2 kế hoạch" in listed.text and "(đang chọn)" in listed.text
    assert "/kehoach 2" in listed.text
    switched = await person.say("/kehoach 2")
    assert TET_TITLE in switched.text
    listed = await person.say("/kehoach")
    assert f"2. {TET_TITLE} (đang chọn)" in listed.text
    tasks = await person.say("/nhiemvu")
    assert tasks.text.startswith(f"🗂 Kế hoạch: {TET_TITLE}")
    assert "chương trình chào Xuân" in tasks.text
    await person.silence()
    report = await person.say("/baocao")  # a report for Tết, and it says so
    assert report.text.startswith(f"🗂 Kế hoạch: {TET_TITLE}")
    await person.silence()
    cancelled = await person.say("/huy")  # the report's draft is Tết's: dropped there
    assert cancelled.text == plain("dialogue.cancelled")
    wrong = await person.say("/kehoach 9")
    assert "Không có kế hoạch «9»" in wrong.text
    back = await person.say("/kehoach 1")
    assert KONTUM_START in back.text


async def test_a_person_in_one_campaign_is_never_asked(two_campaigns, fake_api) -> None:
    person = Person(fake_api, fake_api.add_user("Đầu mối BĐBP", id=5002))
    await seat(two_campaigns.runtime, TET_ID, "bdbp", tg(person.id))

    tasks = await person.say("/nhiemvu")
    assert "Xuân Biên phòng ấm lòng dân bản" in tasks.text
    assert "Kế hoạch:" not in tasks.text  # one campaign: nothing to tell apart


async def test_the_secretariat_is_asked_and_its_report_list_names_the_campaign(
        two_campaigns, fake_api) -> None:
    secretariat = Person(fake_api, fake_api.add_user("Thư ký", id=ADMIN_ID))
    asked = await secretariat.say("/donvi")
    assert "đang tham gia 2 kế hoạch" in asked.text
    units = await secretariat.say("1")
    assert KONTUM_START in units.text
    listed = await secretariat.reply()
    assert listed.text.startswith("🗂 Kế hoạch: Thông tin, tuyên truyền")


async def test_nudges_name_their_campaign(two_campaigns, fake_api) -> None:
    person = fake_api.add_user("Đầu mối Báo Kon Tum", id=5001)
    for campaign in (TET_ID, KONTUM_ID):  # Tết first: no carry-on question races in
        await seat(two_campaigns.runtime, campaign, "bao-kon-tum", tg(person.id))
    clock = two_campaigns.runtime.services.clock
    clock.set(clock.now().replace(day=14, hour=8, minute=30))
    await two_campaigns.runtime.tick()

    # Both campaigns' report deadline is 15/12: the nudges of 14/12 08:00, one each.
    nudges = [m.text for m in fake_api.sent_messages(person.id)]
    assert len(nudges) == 2
    assert any(text.startswith(f"🗂 Kế hoạch: {TET_TITLE}") for text in nudges)
    assert any(text.startswith(f"🗂 Kế hoạch: {KONTUM_START}") for text in nudges)


async def test_someone_only_in_the_second_campaign_gets_a_focal_points_menu(
        two_campaigns, fake_api) -> None:
    from bot.services.access import Role
    from tests.e2e.test_menus import menu_becomes, names

    person = Person(fake_api, fake_api.add_user("Đầu mối Sở VHTTDL", id=5004))
    await seat(two_campaigns.runtime, TET_ID, "so-vhttdl", tg(person.id))
    two_campaigns.runtime.services.menus.mark_changed()
    await person.say("/nhiemvu")
    await menu_becomes(fake_api, person.id, names(Role.FOCAL_POINT))
