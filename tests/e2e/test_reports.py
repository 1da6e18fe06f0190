"""Progress reports over the real python-telegram-bot stack and the fake Bot API server."""

from __future__ import annotations

import asyncio
import json
from pathlib import Path

import pytest

from bot.domain.records import FocalPointRole, ReportStatus
from bot.services.parsing import MAX_FIGURE
from bot.services.reporting import format_figure, shorten
from tests.e2e.test_registration import invite, newcomer, register_by_typing
from tests.support import Person, Talk, plain, tg

UNIT = "bao-kon-tum"
# Task 3 of Báo Kon Tum in the shipped plan: its own, with three figures.
TASK_NUMBER = 3
TASK_ID = "bao-kon-tum-tuyen-truyen"


@pytest.fixture
def feed(fake_api, secretariat):
    """The secretariat's group that receives one line per confirmed report."""
    return fake_api.add_group("Ban Thư ký — báo cáo", members=[secretariat.user])


@pytest.fixture
def settings(settings, feed, tmp_path):
    """The shared settings, plus the report feed and the attachment archive."""
    return settings.model_copy(update={
        "report_feed_chat_ids": (tg(feed.id),),
        "archive_attachments": True,
        "archive_dir": tmp_path / "archive",
    })


async def member(bot, fake_api, name="Lan", unit=UNIT, kind=FocalPointRole.FOCAL_POINT,
                 phone="0912 345 678") -> Person:
    """A newcomer who registers for a unit by typing."""
    person = newcomer(fake_api, name)
    await register_by_typing(person, await invite(bot, unit, kind), name=f"Cán bộ {name}",
                             phone=phone)
    return person


def task(plan, number=TASK_NUMBER, unit=UNIT):
    return plan.tasks_of(unit)[number - 1]


async def reports(bot, unit=None):
    return await bot.runtime.services.reporting.all_reports(unit)


async def to_preview(person: Person, *, task_number=TASK_NUMBER, status="3",
                     figures=("12 bài", "1.200", "bỏ qua"), narrative="Đã đăng 12 bài.",
                     uploads=()):
    """Type a report up to its preview; `uploads` are callables sending one file each."""
    await person.say(f"/baocao {task_number}")
    await person.say(status)
    for figure in figures:
        await person.say(figure)
    await person.say(narrative)
    for upload in uploads:
        upload()
        await person.reply()
    return await person.say("xong")


# --- the happy paths ------------------------------------------------------------------------


async def test_a_focal_point_reports_by_typing_alone(bot, fake_api, kontum_plan, feed):
    lan = await member(bot, fake_api)
    the_task = task(kontum_plan)
    tasks = kontum_plan.tasks_of(UNIT)
    ask = await lan.say("/baocao")
    assert ask.text.startswith(plain("reports.ask_task", count=len(tasks)))
    assert len(ask.buttons) == len(tasks)
    ask_status = await lan.say(str(TASK_NUMBER))
    assert ask_status.text.startswith(
        plain("reports.ask_status", task=shorten(the_task.text, 90)))
    labels = [metric.label for metric in the_task.metrics]
    first = await lan.say("hoàn thành")
    assert first.text == plain("reports.ask_figure", label=labels[0], number=1, count=3)
    assert (await lan.say("12 bài")).text == plain("reports.ask_figure", label=labels[1],
                                                    number=2, count=3)
    assert (await lan.say("1,200")).text == plain("reports.ask_figure", label=labels[2],
                                                   number=3, count=3)
    assert (await lan.say("bỏ qua")).text == plain("reports.ask_narrative", limit=4000)
    ask_files = await lan.say("Đã đăng 12 bài, 1.200 lượt chia sẻ trên mạng xã hội.")
    assert ask_files.text.startswith(plain("reports.ask_attachments", count=0))
    fake_api.send_photo(lan.user, caption="Lễ ra quân tại cửa khẩu Bờ Y")
    assert (await lan.reply()).text.startswith(plain("reports.attachment_added", count=1))
    fake_api.send_document(lan.user, file_name="bao-cao-ket-qua.pdf")
    assert (await lan.reply()).text.startswith(plain("reports.attachment_added", count=2))
    preview = await lan.say("xong")
    assert "1.200" in preview.text and plain("reports.status_done") in preview.text
    assert "Đã đăng 12 bài, 1.200 lượt chia sẻ" in preview.text
    saved = await lan.say("1")
    [report] = await reports(bot)
    assert saved.text == plain("reports.saved", reference=report.reference, version=1,
                               task=shorten(the_task.text, 90))
    assert report.reference == "BC-0001"
    assert (report.unit_id, report.task_id, report.version) == (UNIT, TASK_ID, 1)
    assert report.status is ReportStatus.DONE
    assert {f.metric_id: f.value for f in report.figures} == {
        "tin-bai": 12, "phong-su": 1200, "anh": None}
    assert [(a.kind.value, a.caption, a.file_name) for a in report.attachments] == [
        ("photo", "Lễ ra quân tại cửa khẩu Bờ Y", None),
        ("document", None, "bao-cao-ket-qua.pdf"),
    ]
    assert report.submitted_by_name == "Cán bộ Lan"
    # The secretariat's feed gets one short line, without any phone number.
    line = await fake_api.wait_for_message(
        feed.id, predicate=lambda m: report.reference in (m.text or ""))
    assert line.text == plain("reports.feed_done", unit=kontum_plan.unit(UNIT).short_name,
                              task=shorten(the_task.text, 80), reference=report.reference,
                              version=1)
    assert "0912" not in line.text and "+84" not in line.text


async def test_a_report_with_buttons(bot, fake_api, kontum_plan):
    lan = await member(bot, fake_api)
    ask = await lan.say("/report")
    fake_api.press_button(lan.user, ask, data=f"c:r-task:{TASK_NUMBER}")
    ask_status = await lan.reply()
    fake_api.press_button(lan.user, ask_status, data="c:r-status:2")  # in progress
    await lan.reply()
    await lan.say("5")
    await lan.say("0")
    await lan.say("7 ảnh")
    ask_files = await lan.say("Đang triển khai chuyên mục.")
    fake_api.press_button(lan.user, ask_files, text=ask_files.buttons[0]["text"])  # done
    preview = await lan.reply()
    assert preview.buttons[0]["callback_data"] == "c:r-confirm:1"
    fake_api.press_button(lan.user, preview, data="c:r-confirm:1")
    saved = await lan.reply()
    [report] = await reports(bot)
    assert saved.text.startswith("✅") and report.reference in saved.text
    assert report.status is ReportStatus.IN_PROGRESS
    assert [f.value for f in report.figures] == [5, 0, 7]


async def test_tasks_lists_the_units_tasks_with_status(bot, fake_api, kontum_plan):
    lan = await member(bot, fake_api)
    tasks = kontum_plan.tasks_of(UNIT)
    listing = await lan.say("/nhiemvu")
    assert listing.text.startswith(plain("reports.tasks_header",
                                         unit=kontum_plan.unit(UNIT).name, count=len(tasks)))
    assert listing.text.count(plain("reports.state_none")) == len(tasks)
    for metric in task(kontum_plan).metrics:
        assert metric.label in listing.text
    # Task 1 is led by Sở TT&TT: the cooperating unit reads who leads it.
    assert plain("reports.role_cooperating", lead="Sở TT&TT") in listing.text
    await to_preview(lan)
    await lan.say("1")
    [report] = await reports(bot)
    again = await lan.say("/tasks")
    assert again.text.count(plain("reports.state_none")) == len(tasks) - 1
    assert report.reference in again.text and plain("reports.status_done") in again.text


async def test_corrections_are_versions_and_myreports_shows_them(bot, fake_api, kontum_plan):
    lan = await member(bot, fake_api)
    await to_preview(lan, status="2", figures=("3", "0", "1"))
    await lan.say("1")
    await to_preview(lan, status="3", figures=("15", "2", "9"), narrative="Hoàn thành.")
    await lan.say("gửi")
    first, second = await reports(bot)
    assert (first.version, second.version) == (1, 2)
    assert [f.value for f in first.figures] == [3, 0, 1]  # the first version is kept
    assert [f.value for f in second.figures] == [15, 2, 9]
    history = await lan.say("/baocaocuatoi")
    assert history.text.startswith(plain("reports.history_header",
                                         unit=kontum_plan.unit(UNIT).name))
    assert history.text.index(second.reference) < history.text.index(first.reference)
    one = await lan.say(f"/myreports {first.reference}")
    assert one.text.startswith(plain("reports.card", reference=first.reference, version=1,
                                     unit="", task="", status="", when="", name="",
                                     figures="", narrative="", count=0).split("\n")[0])
    assert "Đã đăng 12 bài." in one.text and plain("reports.status_in_progress") in one.text
    by_number = await lan.say(f"/myreports {second.id}")
    assert "Hoàn thành." in by_number.text


async def test_a_correction_of_a_single_field_from_the_preview(bot, fake_api, kontum_plan):
    lan = await member(bot, fake_api)
    preview = await to_preview(lan)
    labels = [plain(f"reports.choice_{a}") for a in
              ("send", "status", "figures", "narrative", "attachments", "cancel")]
    assert preview.button_texts == [f"{n}. {label}" for n, label in enumerate(labels, 1)]
    assert (await lan.say("3")).text == plain(
        "reports.ask_figure", label=task(kontum_plan).metrics[0].label, number=1, count=3)
    await lan.say("20")
    await lan.say("bỏ qua")
    preview = await lan.say("4")
    assert "• " + task(kontum_plan).metrics[0].label + ": 20" in preview.text
    await lan.say("4")  # change the narrative
    preview = await lan.say("Nội dung đã sửa.")
    assert "Nội dung đã sửa." in preview.text
    await lan.say("1")
    [report] = await reports(bot)
    assert [f.value for f in report.figures] == [20, None, 4]
    assert report.narrative == "Nội dung đã sửa."


async def test_other_units_reports_stay_private(bot, fake_api, kontum_plan):
    lan = await member(bot, fake_api)
    await to_preview(lan)
    await lan.say("1")
    [report] = await reports(bot)
    police = await member(bot, fake_api, "Hùng", unit="cong-an", phone="0987 111 222")
    assert (await police.say(f"/baocaocuatoi {report.reference}")).text == plain(
        "reports.not_found", reference=report.reference)
    assert (await police.say("/baocaocuatoi")).text == plain(
        "reports.history_none", unit=kontum_plan.unit("cong-an").name)


async def test_staff_see_any_report_but_do_not_report(bot, fake_api, secretariat):
    lan = await member(bot, fake_api)
    await to_preview(lan)
    await lan.say("1")
    [report] = await reports(bot)
    assert (await secretariat.say("/baocao")).text == plain("reports.staff_no_seat")
    assert (await secretariat.say("/nhiemvu")).text == plain("reports.staff_no_seat")
    card = await secretariat.say(f"/baocaocuatoi {report.reference}")
    assert report.reference in card.text and "Đã đăng 12 bài." in card.text


async def test_attachments_are_archived_after_the_commit(bot, fake_api, settings):
    lan = await member(bot, fake_api)
    await to_preview(lan, uploads=(
        lambda: fake_api.send_photo(lan.user, caption="Ảnh 1"),
        lambda: fake_api.send_document(lan.user, b"%PDF-1.4 ket qua", file_name="kq.pdf"),
    ))
    await lan.say("1")
    archive = bot.runtime.services.archive
    await archive.idle()
    [report] = await reports(bot)
    paths = [Path(a.archive_path) for a in report.attachments]
    folder = settings.archive_dir / UNIT / TASK_ID
    assert paths == [folder / f"{report.reference}-1.jpg", folder / f"{report.reference}-2.pdf"]
    assert paths[1].read_bytes() == b"%PDF-1.4 ket qua"
    assert paths[0].stat().st_size > 0


async def test_the_cli_json_holds_exactly_what_was_confirmed(bot, fake_api, kontum_plan,
                                                             settings, monkeypatch, capsys):
    lan = await member(bot, fake_api)
    await to_preview(lan)
    await lan.say("1")                                  # confirmed: version 1
    await to_preview(lan, figures=("13", "1.201", "2"))
    await lan.say("6")                                  # cancelled from the preview
    await lan.say("/baocao 4")
    await lan.say("/huy")                               # dropped half-way
    await to_preview(lan, narrative="Bản sửa.", uploads=(
        lambda: fake_api.send_photo(lan.user, caption="TÀI LIỆU MẬT"),   # refused
        lambda: fake_api.send_photo(lan.user, caption="Ảnh hợp lệ"),
    ))
    await lan.say("1")                                  # confirmed: version 2
    police = await member(bot, fake_api, "Hùng", unit="cong-an", phone="0987 111 222")
    await police.say("/baocao 1")
    await police.say("4")
    await police.say("3")
    await police.say("3")
    await police.say("Phát hiện 3 tin xấu, đã xử lý.")
    await police.say("xong")
    await police.say("1")
    await bot.runtime.services.archive.idle()

    from bot.cli import main as cli

    def main(argv):  # the CLI runs its own event loop, as from a shell
        return asyncio.to_thread(cli, argv)

    monkeypatch.setenv("DATABASE_URL", settings.database_url)
    monkeypatch.chdir(Path(__file__).resolve().parents[2])
    capsys.readouterr()
    assert await main(["reports", "--json"]) == 0
    data = json.loads(capsys.readouterr().out)
    rows = [(r["unit_id"], r["task_id"], r["version"], r["latest"]) for r in data["reports"]]
    assert rows == [
        (UNIT, TASK_ID, 1, False),
        (UNIT, TASK_ID, 2, True),
        ("cong-an", kontum_plan.tasks_of("cong-an")[0].id, 1, True),
    ]
    first, second, police_report = data["reports"]
    count = {"kind": "count", "unit": None}
    assert first["figures"] == {"tin-bai": {"value": 12, **count, "text": "12"},
                                "phong-su": {"value": 1200, **count, "text": "1.200"},
                                "anh": {"value": None, **count, "text": None}}
    assert second["narrative"] == "Bản sửa." and second["attachments"] == 1
    assert [f["caption"] for f in second["files"]] == ["Ảnh hợp lệ"]
    assert police_report["status"] == "problem"
    assert {k: v["value"] for k, v in police_report["figures"].items()} == {
        "tin-xau-phat-hien": 3, "tin-xau-xu-ly": 3}
    assert "MẬT" not in json.dumps(data, ensure_ascii=False)
    assert await main(["reports", "--unit", "cong-an", "--json"]) == 0
    assert len(json.loads(capsys.readouterr().out)["reports"]) == 1
    assert await main(["reports"]) == 0
    lines = capsys.readouterr().out.strip().split("\n")
    assert len(lines) == 3 and lines[0].startswith("BC-0001")
    assert await main(["reports", "--unit", "khong-co"]) == 1


# --- bad input ------------------------------------------------------------------------------


async def test_a_stranger_cannot_report(bot, stranger, kontum_plan):
    expected = plain("common.stranger_info", campaign=kontum_plan.title,
                     secretariat=kontum_plan.unit("so-tttt").name)
    assert (await stranger.say("/baocao")).text == expected
    assert (await stranger.say("/report 1")).text == expected
    assert (await stranger.say("/nhiemvu")).text == expected
    assert (await stranger.say("/baocaocuatoi BC-0001")).text == expected
    assert await reports(bot) == []


async def test_a_task_not_assigned_to_the_unit(bot, fake_api, kontum_plan):
    lan = await member(bot, fake_api)
    police_task = kontum_plan.tasks_of("cong-an")[0]
    assert not police_task.involves(UNIT)
    refused = await lan.say(f"/baocao {police_task.id}")
    assert refused.text == plain("reports.task_not_yours", task=shorten(police_task.text, 90))
    assert (await lan.reply()).text.startswith(plain("reports.ask_task",
                                                     count=len(kontum_plan.tasks_of(UNIT))))
    typed = await lan.say(police_task.id)  # typed at the task step: the same answer
    assert typed.text == plain("reports.task_not_yours", task=shorten(police_task.text, 90))
    await lan.reply()
    assert await reports(bot) == []


async def test_an_unknown_task_number(bot, fake_api, kontum_plan):
    lan = await member(bot, fake_api)
    count = len(kontum_plan.tasks_of(UNIT))
    assert (await lan.say("/baocao 99")).text == plain("reports.unknown_task", number="99",
                                                       count=count)
    await lan.reply()
    assert (await lan.say("0")).text == plain("reports.unknown_task", number="0", count=count)
    await lan.reply()
    assert (await lan.say("2")).text.startswith(plain(
        "reports.ask_status", task=shorten(kontum_plan.tasks_of(UNIT)[1].text, 90)))


async def test_a_report_typed_the_way_people_write(bot, fake_api, kontum_plan):
    lan = await member(bot, fake_api)
    await lan.say("/baocao")
    assert (await lan.say(f"số {TASK_NUMBER} ạ")).text.startswith(plain(
        "reports.ask_status", task=shorten(task(kontum_plan).text, 90)))
    await lan.say("dạ hoàn thành ạ")
    await lan.say("không có")  # none at all: 0, not an empty figure
    await lan.say("khoảng 1.200 lượt")
    await lan.say("bỏ qua")
    await lan.say("Đã đăng bài.")
    await lan.say("xong")
    await lan.say("Gửi báo cáo nhé")
    [report] = await reports(bot)
    assert report.status is ReportStatus.DONE
    assert {f.metric_id: f.value for f in report.figures} == {
        "tin-bai": 0, "phong-su": 1200, "anh": None}


@pytest.mark.parametrize(
    ("typed", "key"),
    [
        ("-5", "reports.figure_negative"),
        ("1.000.001", "reports.figure_too_large"),
        ("5000000", "reports.figure_too_large"),
        ("mười hai", "reports.figure_not_digits"),
        ("twelve", "reports.figure_not_digits"),
    ],
)
async def test_a_negative_absurd_or_spelled_out_figure(bot, fake_api, kontum_plan, typed, key):
    lan = await member(bot, fake_api)
    await lan.say(f"/baocao {TASK_NUMBER}")
    await lan.say("3")
    label = task(kontum_plan).metrics[0].label
    assert (await lan.say(typed)).text == plain(key, limit=format_figure(MAX_FIGURE),
                                                label=label)
    assert (await lan.reply()).text == plain("reports.ask_figure", label=label, number=1,
                                             count=3)
    await lan.say("12")
    await lan.say("1")
    await lan.say("2")
    await lan.say("-")
    preview = await lan.say("xong")
    assert "• " + label + ": 12" in preview.text


async def test_a_narrative_over_4000_characters_keeps_earlier_answers(bot, fake_api,
                                                                      kontum_plan):
    lan = await member(bot, fake_api)
    await lan.say(f"/baocao {TASK_NUMBER}")
    await lan.say("3")
    await lan.say("12")
    await lan.say("34")
    await lan.say("56")
    long_text = "Kết quả " * 506  # 4,048 characters: Telegram takes it, the report does not
    refused = await lan.say(long_text)
    assert refused.text == plain("reports.narrative_too_long", limit=4000,
                                 length=len(long_text.strip()))
    assert (await lan.reply()).text == plain("reports.ask_narrative", limit=4000)
    await lan.say("Ngắn gọn.")
    preview = await lan.say("xong")
    for value in ("12", "34", "56"):
        assert f": {value}" in preview.text
    assert "Ngắn gọn." in preview.text


async def test_a_classified_narrative_is_refused_and_not_stored(bot, fake_api):
    lan = await member(bot, fake_api)
    await lan.say(f"/baocao {TASK_NUMBER}")
    await lan.say("3")
    for figure in ("1", "2", "3"):
        await lan.say(figure)
    refused = await lan.say("Kèm theo bí mật nhà nước về đường biên.")
    assert refused.text == plain("reports.classified")
    await lan.reply()
    await lan.say("Bình thường.")
    await lan.say("xong")
    await lan.say("1")
    [report] = await reports(bot)
    assert report.narrative == "Bình thường."


async def test_a_voice_message_or_sticker_is_not_an_attachment(bot, fake_api):
    lan = await member(bot, fake_api)
    await lan.say(f"/baocao {TASK_NUMBER}")
    await lan.say("3")
    for figure in ("1", "2", "3"):
        await lan.say(figure)
    await lan.say("Nội dung.")
    fake_api.send_voice(lan.user)
    assert (await lan.reply()).text == plain("reports.attachment_refused")
    await lan.reply()
    fake_api.send_sticker(lan.user)
    assert (await lan.reply()).text == plain("reports.attachment_refused")
    await lan.reply()
    preview = await lan.say("xong")
    assert plain("reports.preview", unit="", task="", status="", figures="", narrative="",
                 attachments=0).split("\n")[-3] in preview.text
    await lan.say("1")
    [report] = await reports(bot)
    assert report.attachments == ()


async def test_a_photo_with_a_classified_caption_is_refused(bot, fake_api):
    lan = await member(bot, fake_api)
    await lan.say(f"/baocao {TASK_NUMBER}")
    await lan.say("3")
    for figure in ("1", "2", "3"):
        await lan.say(figure)
    await lan.say("Nội dung.")
    fake_api.send_photo(lan.user, caption="MẬT - bản đồ đồn biên phòng")
    assert (await lan.reply()).text == plain("reports.classified")
    await lan.reply()
    fake_api.send_document(lan.user, file_name="Tai_lieu_mat.pdf")
    assert (await lan.reply()).text == plain("reports.classified")
    await lan.reply()
    fake_api.send_photo(lan.user, caption="Mặt trận Tổ quốc huyện tham gia")  # not a stamp
    assert (await lan.reply()).text.startswith(plain("reports.attachment_added", count=1))
    await lan.say("xong")
    await lan.say("1")
    [report] = await reports(bot)
    assert [a.caption for a in report.attachments] == ["Mặt trận Tổ quốc huyện tham gia"]
    async with bot.runtime.services.campaign._uow_factory() as uow:  # test-only peek
        actions = [entry.action for entry in await uow.audit.recent(limit=50)]
    assert actions.count("report.classified_refused") == 2


async def test_focal_point_and_deputy_confirm_at_the_same_moment(bot, fake_api):
    lan = await member(bot, fake_api)
    deputy = await member(bot, fake_api, "Minh", kind=FocalPointRole.DEPUTY,
                          phone="0987 654 321")
    await to_preview(lan, figures=("1", "1", "1"))
    await to_preview(deputy, figures=("2", "2", "2"))
    # Both confirmations reach the bot in the same batch of updates.
    fake_api.send_text(lan.user, "1")
    fake_api.send_text(deputy.user, "1")
    saved_lan, saved_deputy = await lan.reply(), await deputy.reply()
    both = await reports(bot)
    assert sorted(r.version for r in both) == [1, 2]
    assert {r.submitted_by_name for r in both} == {"Cán bộ Lan", "Cán bộ Minh"}
    for saved, person in ((saved_lan, lan), (saved_deputy, deputy)):
        [mine] = [r for r in both if r.submitted_by == tg(person.id)]
        assert mine.reference in saved.text


async def test_the_same_update_delivered_twice_makes_one_report(bot, fake_api):
    lan = await member(bot, fake_api)
    await to_preview(lan)
    confirm = fake_api.send_text(lan.user, "1")
    saved = await lan.reply()
    fake_api.redeliver(confirm["update_id"])
    replayed = await lan.reply()
    assert replayed.text == saved.text
    assert len(await reports(bot)) == 1


async def test_a_restart_between_confirm_and_the_answer(fake_api, settings, kontum_plan, clock):
    from bot.app import Runtime, running_bot

    lan = newcomer(fake_api)
    async with Runtime.open(settings, kontum_plan, clock) as runtime:
        await runtime.load_plan()
        async with running_bot(runtime):
            talk = Talk(fake_api, runtime)
            await register_by_typing(lan, await invite(talk), name="Cán bộ Lan")
            await to_preview(lan)
            # The report is committed, then the answer is lost: Telegram fails the send.
            fake_api.fail_next("sendMessage", status=502, chat_id=lan.id)
            confirm = fake_api.send_text(lan.user, "1")
            failed = await fake_api.wait_for_call(
                "sendMessage", predicate=lambda call: call.status == 502)
            assert failed.params["chat_id"] == lan.id
            assert len(await runtime.services.reporting.all_reports()) == 1
    # The bot restarts; Telegram delivers the update again as it was never confirmed.
    fake_api.redeliver(confirm["update_id"])
    async with Runtime.open(settings, kontum_plan, clock) as runtime:
        async with running_bot(runtime):
            saved = await lan.reply()
            [report] = await runtime.services.reporting.all_reports()
            assert saved.text.startswith("✅") and report.reference in saved.text


async def test_a_half_finished_report_survives_a_restart(fake_api, settings, kontum_plan,
                                                         clock):
    from bot.app import Runtime, running_bot

    lan = newcomer(fake_api)
    async with Runtime.open(settings, kontum_plan, clock) as runtime:
        await runtime.load_plan()
        async with running_bot(runtime):
            await register_by_typing(lan, await invite(Talk(fake_api, runtime)))
            await lan.say(f"/baocao {TASK_NUMBER}")
            await lan.say("3")
            await lan.say("42")
    async with Runtime.open(settings, kontum_plan, clock) as runtime:
        async with running_bot(runtime):
            await lan.say("0")
            await lan.say("0")
            await lan.say("Sau khi khởi động lại.")
            preview = await lan.say("xong")
            assert ": 42" in preview.text


async def test_cancel_drops_a_half_finished_report(bot, fake_api):
    lan = await member(bot, fake_api)
    await lan.say(f"/baocao {TASK_NUMBER}")
    await lan.say("3")
    assert (await lan.say("/huy")).text == plain("dialogue.cancelled")
    assert (await lan.say("5")).text == plain("common.not_understood")
    assert await reports(bot) == []


async def test_a_focal_point_replaced_before_confirming_cannot_save(bot, fake_api):
    lan = await member(bot, fake_api)
    await to_preview(lan)
    await member(bot, fake_api, "Mới", phone="0987 000 111")  # the unit's new focal point
    notice = await lan.reply()  # the outbox tells the old focal point about the handover
    assert notice.text == plain("registration.handover_notice", name="Cán bộ Mới",
                                unit=bot.runtime.plan.unit(UNIT).name)
    assert (await lan.say("1")).text == plain("reports.no_longer_member")
    assert await reports(bot) == []
