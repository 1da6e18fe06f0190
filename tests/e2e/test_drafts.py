"""Nothing typed is lost: drafts kept for days, files sent first, codes in any form, near misses.

Over the real bot stack and the fake Telegram and Zalo servers, with the clock injected.
"""

from __future__ import annotations

from datetime import timedelta

import pytest

from bot.fakeserver.world import tiny_png
from bot.services.reporting import TASK_LABEL, shorten
from tests.e2e.test_registration import invite, newcomer
from tests.e2e.test_reports import TASK_NUMBER, UNIT, member, reports, task
from tests.e2e.test_zalo import register, say, zalo, zbot  # noqa: F401 (fixtures)
from tests.support import plain


@pytest.fixture
def settings(settings, tmp_path):
    """The shared settings with the attachment archive on."""
    return settings.model_copy(update={
        "archive_attachments": True, "archive_dir": tmp_path / "archive"})


def contents(*parts: tuple[str, dict]) -> str:
    return ", ".join(plain(f"drafts.{key}", **values) for key, values in parts)


DONE = ("status", {"status": plain("reports.status_done")})


async def test_a_report_resumed_after_three_days_keeps_its_photos(bot, fake_api, kontum_plan,
                                                                    clock, tmp_path):
    lan = await member(bot, fake_api)
    await lan.say(f"/baocao {TASK_NUMBER}")
    for answer in ("hoàn thành", "12", "1.200", "30", "Đã đăng 12 bài."):
        await lan.say(answer)
    for caption in ("Băng rôn cửa khẩu", "Lễ ra quân"):
        fake_api.send_photo(lan.user, caption=caption)
        await lan.reply()
    clock.advance(timedelta(days=3))  # Friday to Monday
    held = await lan.say("5")
    the_task = shorten(task(kontum_plan).text, TASK_LABEL)
    assert held.text == plain(
        "drafts.report_pending", task=the_task,
        contents=contents(DONE, ("photos", {"count": 2}), ("figures", {"count": 3}),
                          ("narrative", {})),
        where=plain("drafts.where_r-attach"))
    assert (await lan.say("tiếp")).text == plain("drafts.resumed")
    assert (await lan.reply()).text.startswith(plain("reports.ask_attachments", count=2))
    preview = await lan.say("xong")
    assert "Đã đăng 12 bài." in preview.text and "1.200" in preview.text
    await lan.say("1")
    [report] = await reports(bot)
    assert [a.caption for a in report.attachments] == ["Băng rôn cửa khẩu", "Lễ ra quân"]
    await bot.runtime.services.archive.idle()
    archived = sorted((tmp_path / "archive").rglob("*.jpg"))
    assert [path.name for path in archived] == ["BC-0001-1.jpg", "BC-0001-2.jpg"]


async def test_xong_after_a_long_pause_finishes_the_draft(bot, fake_api, clock):
    lan = await member(bot, fake_api)
    await lan.say(f"/baocao {TASK_NUMBER}")
    await lan.say("2")
    await lan.say("7")
    clock.advance(timedelta(days=2))
    preview = await lan.say("xong ạ")
    assert preview.text.startswith(plain("reports.preview", unit="x", task="x", status="x",
                                         figures="x", narrative="x",
                                         attachments=0).split("\n")[0])
    assert ": 7" in preview.text
    saved = await lan.say("gửi")
    [report] = await reports(bot)
    assert report.reference in saved.text


async def test_another_command_in_the_middle_keeps_the_draft_and_the_next_number(
        bot, fake_api, kontum_plan):
    lan = await member(bot, fake_api)
    await lan.say(f"/baocao {TASK_NUMBER}")
    await lan.say("3")
    await lan.say("/start")  # the greeting, then the note
    note = await lan.reply()
    assert note.text == plain(
        "drafts.report_kept", task=shorten(task(kontum_plan).text, TASK_LABEL),
        contents=contents(DONE), where=plain("drafts.where_r-fig", number=1, count=3))
    held = await lan.say("12")  # not silently the first figure
    assert held.text.startswith("Anh/chị có báo cáo nhiệm vụ")
    assert (await lan.say("tiep")).text == plain("drafts.resumed")
    first = task(kontum_plan).metrics[0].label
    assert (await lan.reply()).text == plain("reports.ask_figure", label=first, number=1,
                                             count=3)
    # /baocaocuatoi names the unsent draft; /baocao goes on with it instead of a new one.
    await lan.say("/baocaocuatoi")
    mine = await lan.reply()
    assert mine.text.startswith("📝 Chưa gửi: báo cáo nhiệm vụ")
    again = await lan.say("/baocao")
    assert again.text.startswith("Tiếp tục báo cáo nhiệm vụ")
    assert (await lan.reply()).text == plain("reports.ask_figure", label=first, number=1,
                                             count=3)
    assert (await lan.say("hủy")).text == plain("dialogue.cancelled")
    assert (await lan.say("5")).text == plain("common.not_understood")


async def test_a_photo_sent_before_baocao_ends_up_in_the_report(bot, fake_api, kontum_plan):
    lan = await member(bot, fake_api)
    fake_api.send_photo(lan.user, caption="Pa nô tại Ngọc Hồi")
    which = await lan.reply()
    assert which.text.startswith(plain("drafts.which_task_photo",
                                       contents=contents(("photos", {"count": 1}))))
    assert len(which.buttons) == len(kontum_plan.tasks_of(UNIT))
    fake_api.send_photo(lan.user)  # the second photo of the album
    assert "2 ảnh" in (await lan.reply()).text
    joined = await lan.say(f"số {TASK_NUMBER}")
    assert joined.text == plain("drafts.loose_joined",
                                task=shorten(task(kontum_plan).text, TASK_LABEL),
                                contents=contents(("photos", {"count": 2})))
    await lan.reply()  # the status question
    for answer in ("3", "1", "2", "3", "bỏ qua"):
        await lan.say(answer)
    preview = await lan.say("xong")
    assert "Tệp đính kèm: 2" in preview.text
    await lan.say("1")
    [report] = await reports(bot)
    assert [a.caption for a in report.attachments] == ["Pa nô tại Ngọc Hồi", None]


async def test_a_forwarded_report_text_becomes_the_narrative(bot, fake_api, kontum_plan):
    lan = await member(bot, fake_api)
    letter = ("Báo Kon Tum báo cáo kết quả tuyên truyền: đã đăng 15 tin bài, 3 phóng sự ảnh "
              "về Lễ giao lưu hữu nghị quốc phòng biên giới; chia sẻ trên fanpage 4.500 lượt.")
    which = await lan.say(letter)
    assert which.text.startswith(plain("drafts.which_task_text"))
    await lan.say(str(TASK_NUMBER))
    await lan.reply()
    for answer in ("xong", "15", "3", "bỏ qua"):
        last = await lan.say(answer)
    assert last.text.startswith(plain("reports.ask_attachments", count=0))  # text skipped
    preview = await lan.say("xong")
    assert "chia sẻ trên fanpage 4.500 lượt" in preview.text
    await lan.say("1")
    [report] = await reports(bot)
    assert report.narrative == letter


async def test_an_unfinished_report_is_reminded_once_before_its_deadline(bot, fake_api, clock):
    lan = await member(bot, fake_api)
    await lan.say(f"/baocao {TASK_NUMBER}")
    await lan.say("3")
    clock.advance(timedelta(hours=25))
    await bot.runtime.tick()
    reminder = await fake_api.wait_for_message(
        lan.id, predicate=lambda m: (m.text or "").startswith("📝 Anh/chị còn báo cáo"))
    assert "hạn chót 17:00 15/12/2023" in reminder.text
    clock.advance(timedelta(hours=25))
    await bot.runtime.tick()
    await lan.silence()
    drafts = [m for m in fake_api.sent_messages(lan.id)
              if (m.text or "").startswith("📝 Anh/chị còn báo cáo")]
    assert len(drafts) == 1


async def test_an_unfinished_registration_is_reminded_once_before_the_focal_point_deadline(
        bot, fake_api, clock):
    lan = newcomer(fake_api)
    await lan.say(f"/dangky {await invite(bot)}")
    await lan.reply()  # the consent notice
    await lan.say("đồng ý")
    await lan.say("Nguyễn Thị Lan")  # then nothing: the position is never typed
    await lan.silence()
    clock.advance(timedelta(hours=25))
    await bot.runtime.tick()
    expected = plain("drafts.registration_reminder", unit="Báo Kon Tum",
                     where=plain("drafts.where_position"), due="17:00 28/11/2023")
    reminder = await fake_api.wait_for_message(
        lan.id, predicate=lambda m: (m.text or "").startswith("📝"))
    assert reminder.text == expected
    clock.advance(timedelta(hours=25))
    await bot.runtime.tick()
    await lan.silence()
    assert [m.text for m in fake_api.sent_messages(lan.id)].count(expected) == 1
    # «tiếp» goes on where she stopped.
    await lan.say("tiếp")
    assert (await lan.reply()).text == plain("registration.ask_position")


async def test_no_registration_reminder_once_the_deadline_has_passed(bot, fake_api, clock):
    lan = newcomer(fake_api)
    await lan.say(f"/dangky {await invite(bot)}")
    await lan.reply()
    await lan.say("đồng ý")
    await lan.silence()
    clock.set(bot.runtime.plan.deadlines[0].due + timedelta(hours=30))
    assert bot.runtime.plan.deadlines[0].kind.value == "registration"
    await bot.runtime.tick()
    await lan.silence()
    assert not [m for m in fake_api.sent_messages(lan.id) if (m.text or "").startswith("📝")]


@pytest.mark.parametrize("message", [
    "{code}",
    "dangky {code}",
    "dang ky {code}",
    "Đăng ký {code}",
    "Kính gửi các đơn vị. Sở TT&TT gửi mã mời đầu mối của Báo Kon Tum: {code} (hạn dùng đến "
    "hết kế hoạch). Trân trọng.",
    "https://t.me/daumoi_bot?start={code}",
])
async def test_a_strangers_invite_code_registers_in_any_form(bot, fake_api, message):
    lan = newcomer(fake_api)
    code = await invite(bot)
    welcome = await lan.say(message.format(code=code))
    assert welcome.text == plain("registration.welcome_focal_point", unit="Báo Kon Tum")


async def test_a_mistyped_command_gets_the_nearest_one_it_may_use(bot, fake_api, stranger,
                                                                  secretariat):
    lan = await member(bot, fake_api)
    assert (await lan.say("/tonhop")).text == plain(
        "drafts.unknown_command_suggest", typed="/tonhop", commands="/tonghop")
    assert (await lan.say("tonhop")).text == plain("drafts.did_you_mean", commands="/tonghop")
    assert (await lan.say("/baocaocuatio")).text.endswith("/baocaocuatoi?")
    # A stranger is not pointed to a command they may not use; the secretariat is.
    assert (await stranger.say("/moii")).text == plain("common.unknown_command")
    assert (await secretariat.say("/moii")).text.endswith("/moi?")
    assert (await lan.say("/xyzabc")).text == plain("common.unknown_command")


async def test_an_unclear_consent_answer_repeats_only_the_question(bot, fake_api):
    lan = newcomer(fake_api)
    await lan.say(f"/dangky {await invite(bot)}")
    notice = await lan.reply()
    again = await lan.say("để tôi xem đã")
    assert again.text == plain("registration.consent_again")
    question = await lan.reply()
    assert question.text.startswith(plain("drafts.consent_question"))
    assert len(question.text) < len(notice.text) / 3
    assert (await lan.say("vâng ạ")).text == plain("registration.ask_name")


# --- Zalo -------------------------------------------------------------------------------------


async def test_on_zalo_a_photo_first_then_a_report_resumed_days_later(zbot, zalo, clock):  # noqa: F811
    runtime, _ = zbot
    lan = zalo.add_user("Lan")
    await register(zalo, runtime, lan)
    zalo.send_photo(lan, tiny_png(), caption="Băng rôn", field="photo")
    which = await zalo.wait_for_message(lan.id)
    assert which.text.startswith(plain("drafts.which_task_photo",
                                       contents=contents(("photos", {"count": 1}))))
    await say(zalo, lan, "3")
    await zalo.wait_for_message(lan.id)
    await say(zalo, lan, "hoàn thành ạ")
    # The image URL may not live three days: the draft's file is downloaded at once.
    await runtime.services.archive.idle()
    waiting = list((runtime.settings.archive_dir / "drafts").iterdir())
    assert len(waiting) == 1
    clock.advance(timedelta(days=3))
    held = await say(zalo, lan, "12")
    assert "1 ảnh" in held.text and "«tiếp»" in held.text
    await say(zalo, lan, "tiếp")
    await zalo.wait_for_message(lan.id)
    for answer in ("12", "1200", "bỏ qua", "Đã treo băng rôn."):
        await say(zalo, lan, answer)
    preview = await say(zalo, lan, "xong")
    assert "Tệp đính kèm: 1" in preview.text
    await say(zalo, lan, "1")
    [report] = await runtime.services.reporting.all_reports()
    assert len(report.attachments) == 1 and report.attachments[0].channel == "zalo"
    await runtime.services.archive.idle()
    [report] = await runtime.services.reporting.all_reports()
    assert report.attachments[0].archive_path is not None
    assert not waiting[0].exists()  # moved into the report's place, not downloaded again


async def test_a_long_narrative_typed_after_a_pause_is_taken_not_held(bot, fake_api, clock):
    lan = await member(bot, fake_api)
    await lan.say(f"/baocao {TASK_NUMBER}")
    for answer in ("3", "1", "2", "3"):
        await lan.say(answer)
    clock.advance(timedelta(hours=5))  # the narrative took an afternoon to write
    narrative = ("Trong tháng, Báo Kon Tum đã đăng 12 tin bài, 2 phóng sự ảnh về Lễ giao lưu; "
                 "đăng tải trên báo in, báo điện tử và fanpage, thu hút 4.500 lượt xem.")
    asked = await lan.say(narrative)
    assert asked.text.startswith(plain("reports.ask_attachments", count=0))
    assert narrative in (await lan.say("xong")).text
