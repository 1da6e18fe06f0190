"""A table of messages as hurried civil servants send them, each with what the bot must answer.

One focal point and a few strangers talk to the real bot over the fake Telegram server; every
row is one message (some after a pause of the injected clock) and the start of the answer it
must get. Rows run in order: a draft opened by one row is the context of the next ones.
"""

from __future__ import annotations

from datetime import timedelta

from tests.e2e.test_registration import invite, newcomer
from tests.e2e.test_reports import TASK_NUMBER, member
from tests.support import plain

LETTER = ("Báo Kon Tum kính gửi Ban Thư ký kết quả tuyên truyền tháng 11: đã đăng 15 tin bài, "
          "03 phóng sự ảnh về giao lưu hữu nghị biên giới, 4.500 lượt chia sẻ trên mạng xã hội.")


def first_line(key: str, **values: object) -> str:
    return plain(key, **values).split("\n")[0]


MEMBER = "member"
# (pause in hours, message, the start of the answer) — for the registered focal point.
MEMBER_ROWS = [
    (0, "bao cao", first_line("reports.ask_task", count=4)),
    (0, "huy", plain("dialogue.cancelled")),
    (0, f"Báo cáo {TASK_NUMBER}", "Nhiệm vụ:"),
    (0, "/huy", plain("dialogue.cancelled")),
    (0, "/BaoCao", first_line("reports.ask_task", count=4)),
    (0, "hủy bỏ", plain("dialogue.cancelled")),
    (0, "tonhop", plain("drafts.did_you_mean", commands="/tonghop")),
    (0, "/tonhop", plain("drafts.unknown_command_suggest", typed="/tonhop",
                         commands="/tonghop")),
    (0, "/sumary", plain("drafts.unknown_command_suggest", typed="/sumary",
                         commands="/summary")),
    (0, "/repot", plain("drafts.unknown_command_suggest", typed="/repot", commands="/report")),
    (0, "/lichtrinhh", plain("drafts.unknown_command_suggest", typed="/lichtrinhh",
                             commands="/lichtrinh")),
    (0, "tiếp", plain("drafts.nothing_to_resume")),
    (0, "tiep tuc a", plain("drafts.nothing_to_resume")),
    (0, "hello", plain("common.not_understood")),
    (0, "ok", plain("common.not_understood")),
    (0, "huong dan", first_line("common.help_header_member")),
    (0, LETTER, plain("drafts.which_task_text")),
    (0, "hủy", plain("dialogue.cancelled")),
    (0, f"/baocao {TASK_NUMBER}", "Nhiệm vụ:"),
    (0, "hoàn thành ạ", "Số liệu 1/3"),
    (0, "/start", "Xin chào Cán bộ Lan!"),
    (0, "12", "Anh/chị có báo cáo nhiệm vụ"),  # after another command: not the first figure
    (0, "dạ tiếp", plain("drafts.resumed")),
    (0, "12 bài", "Số liệu 2/3"),
    (3, "1.200", "Anh/chị có báo cáo nhiệm vụ"),  # after a pause: told first
    (0, "tiếp tục ạ", plain("drafts.resumed")),
    (0, "1.200", "Số liệu 3/3"),
    (0, "/baocao", "Tiếp tục báo cáo nhiệm vụ"),
    (0, "bỏ qua", "Tóm tắt kết quả"),
    (0, "Đã đăng 12 bài.", "Gửi ảnh hoặc tệp minh chứng"),
    (72, "xong", "Xem lại báo cáo trước khi gửi"),  # "xong" days later finishes the draft
    (0, "chưa chắc", plain("reports.choose_again")),
    (0, "gửi nhé", "✅ Đã lưu báo cáo BC-0001"),
    (0, "5", plain("common.not_understood")),
]

# (message with {code}, the start of the answer) — each for a stranger with a fresh invite.
STRANGER_ROWS = [
    ("{code}", plain("registration.welcome_focal_point", unit="Báo Kon Tum")),
    ("dangky {code}", plain("registration.welcome_focal_point", unit="Báo Kon Tum")),
    ("Dang ky {code}", plain("registration.welcome_focal_point", unit="Báo Kon Tum")),
    ("/dangký {code}", plain("registration.welcome_focal_point", unit="Báo Kon Tum")),
    ("Mã mời của đơn vị: {code}. Đề nghị đồng chí đăng ký trước 28/11.",
     plain("registration.welcome_focal_point", unit="Báo Kon Tum")),
    ("AbCdEfGh12345678xyzQ", plain("registration.invite_wrong")),
    ("dangki", plain("drafts.did_you_mean", commands="/dangky")),
    ("/tonhop", plain("common.unknown_command")),  # not a stranger's command: no suggestion
]


async def test_hurried_focal_point_messages_get_the_expected_answers(bot, fake_api, clock):
    lan = await member(bot, fake_api)
    misses = []
    for number, (pause, message, expected) in enumerate(MEMBER_ROWS, 1):
        clock.advance(timedelta(hours=pause))
        answer = await lan.say(message)
        if message == "/start":  # the greeting, then the note that the draft is kept
            assert (await lan.reply()).text.startswith("Báo cáo nhiệm vụ")
        if not answer.text.startswith(expected):
            misses.append((number, message, answer.text[:120]))
        if answer.text.startswith(("Nhiệm vụ của", "Tiếp tục", "Đã nhận ảnh")) or \
                expected in (plain("drafts.resumed"), plain("reports.choose_again")):
            await lan.reply()  # the question that follows
        await lan.silence()
    assert misses == [], "\n".join(map(repr, misses))


async def test_hurried_strangers_with_invite_codes(bot, fake_api):
    misses = []
    for number, (message, expected) in enumerate(STRANGER_ROWS, 1):
        person = newcomer(fake_api, f"Người {number}")
        answer = await person.say(message.format(code=await invite(bot)))
        if not answer.text.startswith(expected):
            misses.append((number, message, answer.text[:120]))
    assert misses == [], "\n".join(map(repr, misses))
