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


async def test_help_mentions_kehoach_only_to_someone_in_several_campaigns(
        two_campaigns, fake_api) -> None:
    both = Person(fake_api, fake_api.add_user("Đầu mối Báo Kon Tum", id=5005))
    for campaign in (TET_ID, KONTUM_ID):  # Tết first: no carry-on question races in
        await seat(two_campaigns.runtime, campaign, "bao-kon-tum", tg(both.id))
    one = Person(fake_api, fake_api.add_user("Đầu mối BĐBP", id=5006))
    await seat(two_campaigns.runtime, TET_ID, "bdbp", tg(one.id))

    assert "/kehoach" in (await both.say("/huongdan")).text
    assert "/kehoach" not in (await one.say("/huongdan")).text


async def test_the_menu_of_someone_in_both_campaigns_offers_kehoach(
        two_campaigns, fake_api) -> None:
    from bot.services.access import Role
    from handlers.menu import commands_for
    from tests.e2e.test_menus import menu_becomes

    person = Person(fake_api, fake_api.add_user("Đầu mối Báo Kon Tum", id=5007))
    for campaign in (TET_ID, KONTUM_ID):  # Tết first: no carry-on question races in
        await seat(two_campaigns.runtime, campaign, "bao-kon-tum", tg(person.id))
    two_campaigns.runtime.services.menus.mark_changed()
    await person.say("/nhiemvu")
    await person.silence()
    expected = [cmd.menu_name("vi")
                for cmd in commands_for(Role.FOCAL_POINT, private=True, several=True)]
    assert expected[:3] == ["start", "huongdan", "kehoach"]
    await menu_becomes(fake_api, person.id, expected)


async def _answer_which_campaign(two_campaigns, fake_api, unit: str, ident: int, command: str):
    """A focal point of `unit` in both campaigns sends `command`, then answers "2" (Tết)."""
    person = Person(fake_api, fake_api.add_user(f"Đầu mối {unit}", id=ident))
    for campaign in (TET_ID, KONTUM_ID):  # Tết first: no carry-on question races in
        await seat(two_campaigns.runtime, campaign, unit, tg(person.id))
    await person.say(command)
    answer = fake_api.send_text(person.user, "2")
    return person, answer, await person.reply()


async def test_the_answer_to_which_campaign_delivered_twice_is_replayed_not_read_again(
        two_campaigns, fake_api) -> None:
    person, answer, switched = await _answer_which_campaign(
        two_campaigns, fake_api, "bao-kon-tum", 5008, "/tonghop")
    assert f"Đã chuyển sang kế hoạch «{TET_TITLE}»" in switched.text
    summary = await person.reply()
    assert summary.text.startswith(f"🗂 Kế hoạch: {TET_TITLE}")
    back = await person.say("/kehoach 1")  # the person moves on to the border exchange
    assert KONTUM_START in back.text

    fake_api.redeliver(answer["update_id"])  # the same "2" again, as after a crash
    assert (await person.reply()).text == switched.text  # the stored answer, not "not understood"
    assert (await person.reply()).text == summary.text
    await person.silence()
    # No new effect: the person is still in the campaign they moved to.
    listed = await person.say("/kehoach")
    assert "(đang chọn)" in listed.text and f"{TET_TITLE} (đang chọn)" not in listed.text


async def test_a_redelivered_answer_that_released_a_report_replays_the_reports_question(
        two_campaigns, fake_api) -> None:
    person, answer, switched = await _answer_which_campaign(
        two_campaigns, fake_api, "dai-ptth", 5009, "/baocao")
    first_step = await person.reply()
    assert first_step.text.startswith(f"🗂 Kế hoạch: {TET_TITLE}")
    await person.silence()

    fake_api.redeliver(answer["update_id"])
    assert (await person.reply()).text == switched.text
    assert (await person.reply()).text == first_step.text  # the report's question, replayed
    await person.silence()
    cancelled = await person.say("/huy")  # one draft, Tết's, to cancel
    assert cancelled.text == plain("dialogue.cancelled")
