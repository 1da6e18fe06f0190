"""Focal-point registration over the real python-telegram-bot stack and the fake Bot API."""

from __future__ import annotations

from datetime import timedelta

import pytest

from bot.domain.address import Address
from bot.domain.records import FocalPointRole
from tests.support import Person, plain

UNIT = "bao-kon-tum"


async def invite(bot, unit=UNIT, kind=FocalPointRole.FOCAL_POINT):
    services = bot.runtime.services
    [issued] = await services.registration.issue_invites([unit], kind, services.clock.now())
    return issued.code


async def seats(bot, unit=UNIT):
    services = bot.runtime.services
    async with bot.runtime.uow_factory() as uow:
        return await uow.focal_points.active_for_unit(services.plan.id, unit)


def newcomer(fake_api, name="Lan", **kwargs):
    return Person(fake_api, fake_api.add_user(name, **kwargs))


async def register_by_typing(person, code, name="Nguyễn Thị Lan", position="Phó Tổng Biên tập",
                             phone="0912 345 678"):
    welcome = await person.say(f"/dangky {code}")
    consent = await person.reply()
    assert consent.buttons, "the consent question offers buttons"
    await person.say("đồng ý")
    await person.say(name)
    ask_phone = await person.say(position)
    phone_ok = await person.say(phone)
    card = await person.reply()
    saved = await person.say("1")
    brief = await person.reply()
    return welcome, ask_phone, phone_ok, card, saved, brief


async def test_a_focal_point_registers_by_typing_alone(bot, fake_api, kontum_plan):
    lan = newcomer(fake_api)
    code = await invite(bot)
    welcome, ask_phone, phone_ok, card, saved, brief = await register_by_typing(lan, code)
    unit = kontum_plan.unit(UNIT).name
    assert welcome.text == plain("registration.welcome_focal_point", unit=unit)
    assert ask_phone.reply_markup["keyboard"][0][0]["request_contact"] is True
    assert phone_ok.text == plain("registration.phone_ok", phone="0912 345 678")
    assert "Nguyễn Thị Lan" in card.text and "0912 345 678" in card.text
    assert saved.text == plain("registration.saved", unit=unit)
    assert brief.text.startswith(plain("registration.unit_brief", tasks="", deadlines="",
                                       count=len(kontum_plan.tasks_of(UNIT))).split("\n")[0])
    [seat] = await seats(bot)
    assert (seat.full_name, seat.position, seat.phone_e164) == (
        "Nguyễn Thị Lan", "Phó Tổng Biên tập", "+84912345678")
    assert seat.user == Address("telegram", str(lan.id))


async def test_a_focal_point_registers_with_buttons_and_the_contact_button(bot, fake_api):
    lan = newcomer(fake_api, phone_number="+84987654321")
    fake_api.send_text(lan.user, f"/start {await invite(bot)}")  # the deep link
    await lan.reply()
    consent = await lan.reply()
    fake_api.press_button(lan.user, consent, text=consent.buttons[0]["text"])
    assert (await lan.reply()).text == plain("registration.ask_name")
    await lan.say("Trần Văn Bình")
    await lan.say("Trưởng phòng")
    fake_api.send_contact(lan.user)  # their own card, from the contact button
    assert (await lan.reply()).text == plain("registration.phone_ok", phone="0987 654 321")
    card = await lan.reply()
    fake_api.press_button(lan.user, card, text=card.buttons[0]["text"])
    assert (await lan.reply()).text.startswith("✅")
    [seat] = await seats(bot)
    assert seat.phone_e164 == "+84987654321"


async def test_eleven_units_register_and_units_lists_them(bot, fake_api, kontum_plan,
                                                          secretariat):
    units = [unit.id for unit in kontum_plan.focal_point_units]
    assert len(units) == 11
    for number, unit in enumerate(units):
        person = newcomer(fake_api, f"Người {number}")
        await register_by_typing(person, await invite(bot, unit), name=f"Cán bộ Số {number}",
                                 phone=f"09123456{number:02d}")
    messages = [await secretariat.say("/donvi")]
    assert messages[0].text.startswith(plain("units.header", registered=11, required=11))
    text = "\n".join(m.text for m in messages)
    for number in range(11):
        assert f"Cán bộ Số {number}" in text
        assert f"0912 345 6{number:02d}"[:12] in text
    directory = await bot.runtime.services.directory.units()
    assert directory.registered == 11


async def test_the_same_update_delivered_twice_registers_once(bot, fake_api, kontum_plan):
    lan = newcomer(fake_api)
    await lan.say(f"/dangky {await invite(bot)}")
    await lan.reply()
    await lan.say("1")
    await lan.say("Nguyễn Thị Lan")
    await lan.say("Phóng viên")
    await lan.say("0912345678")
    await lan.reply()
    confirm = fake_api.send_text(lan.user, "1")
    saved = await lan.reply()
    await lan.reply()
    fake_api.redeliver(confirm["update_id"])
    replayed = await lan.reply()  # the stored answer is replayed, not re-processed
    assert replayed.text == saved.text
    assert len(await seats(bot)) == 1


@pytest.mark.parametrize(
    ("answer", "key"),
    [
        ("abc", "registration.bad_phone_invalid"),
        ("+33 6 12 34 56 78", "registration.bad_phone_foreign"),
        ("0260 3862 123", "registration.bad_phone_landline"),
        ("0912345678 hoặc 0987654321", "registration.bad_phone_several"),
    ],
)
async def test_bad_phones_are_refused_and_earlier_answers_kept(bot, fake_api, answer, key):
    lan = newcomer(fake_api)
    await lan.say(f"/dangky {await invite(bot)}")
    await lan.reply()
    await lan.say("1")
    await lan.say("Nguyễn Thị Lan")
    await lan.say("Phóng viên")
    assert (await lan.say(answer)).text == plain(key)
    assert (await lan.reply()).text == plain("registration.ask_phone")
    await lan.say("0912345678")
    card = await lan.reply()
    assert "Nguyễn Thị Lan" in card.text and "Phóng viên" in card.text


async def test_polite_answers_register_as_well(bot, fake_api):
    lan = newcomer(fake_api)
    await lan.say(f"/dangky {await invite(bot)}")
    await lan.reply()
    await lan.say("Dạ đồng ý ạ")
    await lan.say("Nguyễn Thị Lan")
    await lan.say("Phóng viên")
    assert (await lan.say("sđt: 0912.345.678 (zalo)")).text == plain(
        "registration.phone_ok", phone="0912 345 678")
    await lan.reply()
    assert (await lan.say("Sửa chức vụ")).text == plain("registration.ask_position")
    card = await lan.say("Trưởng phòng")
    assert "Trưởng phòng" in card.text
    await lan.say("lưu nhé")
    [seat] = await seats(bot)
    assert (seat.position, seat.phone_e164) == ("Trưởng phòng", "+84912345678")


async def test_someone_elses_contact_is_refused(bot, fake_api):
    lan = newcomer(fake_api)
    other = fake_api.add_user("Khác", phone_number="+84911111111")
    await lan.say(f"/dangky {await invite(bot)}")
    await lan.reply()
    await lan.say("1")
    await lan.say("Nguyễn Thị Lan")
    await lan.say("Phóng viên")
    fake_api.send_contact(lan.user, of=other)
    assert (await lan.reply()).text == plain("registration.not_your_contact")
    assert await seats(bot) == []


@pytest.mark.parametrize(
    ("name", "key"),
    [("A" * 500, "registration.bad_name_too_long"), ("😀😀😀", "registration.bad_name_no_letters"),
     ("   ", "registration.bad_name_no_letters")],
)
async def test_bad_names_are_refused(bot, fake_api, name, key):
    lan = newcomer(fake_api)
    await lan.say(f"/dangky {await invite(bot)}")
    await lan.reply()
    await lan.say("có")
    assert (await lan.say(name)).text == plain(key, limit=100)
    assert (await lan.reply()).text == plain("registration.ask_name")


async def test_a_sticker_or_photo_where_text_is_expected(bot, fake_api):
    lan = newcomer(fake_api)
    await lan.say(f"/dangky {await invite(bot)}")
    await lan.reply()
    await lan.say("dong y")
    fake_api.send_sticker(lan.user)
    assert (await lan.reply()).text == plain("registration.bad_name_not_text")
    await lan.reply()
    fake_api.send_photo(lan.user)
    assert (await lan.reply()).text == plain("registration.bad_name_not_text")


async def test_wrong_used_revoked_and_expired_codes(bot, fake_api, clock):
    lan = newcomer(fake_api)
    assert (await lan.say("/dangky khong-phai-ma-that")).text == plain("registration.invite_wrong")
    used = await invite(bot)
    await register_by_typing(newcomer(fake_api, "Bình"), used)
    assert (await lan.say(f"/dangky {used}")).text == plain("registration.invite_used")
    revoked = await invite(bot, "cong-an")
    await bot.runtime.services.registration.revoke("cong-an", clock.now())
    assert (await lan.say(f"/dangky {revoked}")).text == plain("registration.invite_revoked")
    expiring = await invite(bot, "so-ngoai-vu")
    clock.advance(timedelta(days=60))
    assert (await lan.say(f"/dangky {expiring}")).text == plain("registration.invite_expired")


async def test_a_new_invite_for_a_unit_with_a_focal_point_is_a_handover(bot, fake_api):
    old = newcomer(fake_api, "Cũ")
    await register_by_typing(old, await invite(bot), name="Người Cũ")
    new = newcomer(fake_api, "Mới")
    await register_by_typing(new, await invite(bot), name="Người Mới", phone="0987000111")
    [seat] = await seats(bot)
    assert seat.full_name == "Người Mới"
    async with bot.runtime.uow_factory() as uow:
        actions = [entry.action for entry in await uow.audit.recent(limit=50)]
    assert "focal_point.handover" in actions


async def test_cancel_at_any_step_stores_nothing(bot, fake_api):
    lan = newcomer(fake_api)
    await lan.say(f"/dangky {await invite(bot)}")
    await lan.reply()
    await lan.say("1")
    await lan.say("Nguyễn Thị Lan")
    assert (await lan.say("/huy")).text == plain("dialogue.cancelled")
    assert await seats(bot) == []
    assert (await lan.say("/huy")).text == plain("dialogue.nothing_to_cancel")


async def test_a_half_finished_registration_survives_a_restart(fake_api, settings, kontum_plan,
                                                               clock):
    from bot.app import Runtime, running_bot
    from tests.support import Talk

    lan = newcomer(fake_api)
    async with Runtime.open(settings, kontum_plan, clock) as runtime:
        await runtime.load_plan()
        async with running_bot(runtime):
            bot = Talk(fake_api, runtime)
            await lan.say(f"/dangky {await invite(bot)}")
            await lan.reply()
            await lan.say("1")
            await lan.say("Nguyễn Thị Lan")
    async with Runtime.open(settings, kontum_plan, clock) as runtime:
        async with running_bot(runtime):
            await lan.say("Chuyên viên")
            await lan.say("0912345678")
            card = await lan.reply()
            assert "Nguyễn Thị Lan" in card.text and "Chuyên viên" in card.text


async def test_a_forged_button_changes_nothing(bot, fake_api):
    lan = newcomer(fake_api)
    await lan.say(f"/dangky {await invite(bot)}")
    consent = await lan.reply()
    fake_api.press_forged(lan.user, consent, "c:confirm:1")  # a step the user is not at
    assert (await lan.reply()).text == plain("dialogue.stale_button")
    fake_api.press_forged(lan.user, consent, "x" * 60)
    await fake_api.wait_for_call("answerCallbackQuery",
                                 predicate=lambda call: "x" * 10 not in str(call.params))
    assert await seats(bot) == []


async def test_strangers_and_focal_points_cannot_list_units(bot, fake_api, stranger, kontum_plan):
    reply = await stranger.say("/donvi")
    assert reply.text == plain("common.stranger_info", campaign=kontum_plan.title,
                               secretariat=kontum_plan.unit("so-tttt").name)
    lan = newcomer(fake_api)
    await register_by_typing(lan, await invite(bot))
    assert (await lan.say("/units")).text == plain("access.staff_only")


async def test_units_in_a_group_never_shows_phone_numbers(bot, fake_api, secretariat, head):
    lan = newcomer(fake_api)
    await register_by_typing(lan, await invite(bot))
    group = fake_api.add_group("Tiểu ban Tuyên truyền", members=[secretariat.user, head.user])
    fake_api.send_text(secretariat.user, "/donvi", chat=group)
    message = await fake_api.wait_for_message(group.id)
    assert "Nguyễn Thị Lan" in message.text
    assert "0912" not in message.text and "+84" not in message.text


async def test_a_stranger_in_a_group_gets_no_answer(bot, fake_api, secretariat):
    someone = fake_api.add_user("Ai đó")
    group = fake_api.add_group("Nhóm", members=[secretariat.user, someone])
    fake_api.send_text(someone, "chào mọi người", chat=group)
    await fake_api.wait_for_poll()
    await fake_api.wait_for_poll()
    assert [m for m in fake_api.sent_messages(group.id) if m.method == "sendMessage"] == []


async def test_privacy_and_forget(bot, fake_api, secretariat):
    lan = newcomer(fake_api)
    assert (await lan.say("/baomat")).text.startswith(plain(
        "registration.privacy_nothing", secretariat="x").split(" (")[0][:20])
    await register_by_typing(lan, await invite(bot))
    stored = await lan.say("/baomat")
    assert "0912 345 678" in stored.text and "Nguyễn Thị Lan" in stored.text
    assert (await lan.say("/xoadulieu")).text == plain("registration.forget_confirm") + "\n\n" + \
        "1. " + plain("registration.choice_forget_yes") + "\n2. " + plain("registration.choice_no")
    assert (await lan.say("1")).text == plain("registration.erased")
    assert await seats(bot) == []
    async with bot.runtime.uow_factory() as uow:
        seat_history = await uow.focal_points.active(bot.runtime.plan.id)
    assert seat_history == []


async def test_an_unfinished_registration_waits_until_the_focal_point_deadline(
        bot, fake_api, clock):
    lan = newcomer(fake_api)
    await lan.say(f"/dangky {await invite(bot)}")
    await lan.reply()
    await lan.say("1")
    clock.advance(timedelta(hours=25))
    # A day untouched: the one reminder of the unfinished registration (sent by the tick).
    await bot.runtime.tick()
    reminder = await lan.reply()
    assert reminder.text.startswith(plain("drafts.registration_reminder", unit="Báo Kon Tum",
                                          where=plain("drafts.where_name"), due="")[:30])
    # Back a day later: told where they were; the name typed is not taken without a word.
    reply = await lan.say("Nguyễn Thị Lan")
    assert reply.text == plain("drafts.registration_pending", unit="Báo Kon Tum",
                               where=plain("drafts.where_name"))
    assert (await lan.say("tiếp")).text == plain("drafts.resumed")
    assert (await lan.reply()).text == plain("registration.ask_name")
    assert (await lan.say("Nguyễn Thị Lan")).text == plain("registration.ask_position")
    # Past the focal-point deadline (28/11 17:00) the draft no longer matters: it is gone.
    clock.advance(timedelta(days=9))
    reply = await lan.say("Phó Tổng Biên tập")
    assert "daumoi" in reply.text  # a stranger again: the explanation, nothing stored
    assert await seats(bot) == []


async def test_refusals_and_registrations_are_audited(bot, fake_api, stranger):
    await stranger.say("/donvi")
    await stranger.say("/dangky sai-ma-roi-nhe")
    lan = newcomer(fake_api)
    await register_by_typing(lan, await invite(bot))
    async with bot.runtime.uow_factory() as uow:
        entries = await uow.audit.recent(bot.runtime.plan.id, 100)
    actions = {entry.action for entry in entries}
    assert {"access.denied", "invite.refused", "invite.created", "invite.used",
            "focal_point.registered"} <= actions
    text = repr([entry.detail for entry in entries])
    assert "0912" not in text and "+84" not in text  # no phone numbers in the audit log


async def test_pressing_an_answered_button_again_is_harmless(bot, fake_api):
    lan = newcomer(fake_api)
    await lan.say(f"/dangky {await invite(bot)}")
    consent = await lan.reply()
    fake_api.press_button(lan.user, consent, text=consent.buttons[0]["text"])
    assert (await lan.reply()).text == plain("registration.ask_name")
    fake_api.press_forged(lan.user, consent, "c:consent:1")  # the same button, pressed again
    assert (await lan.reply()).text == plain("dialogue.stale_button")
    assert (await lan.reply()).text == plain("registration.ask_name")
