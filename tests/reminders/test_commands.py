"""/lichtrinh, /nhacnho, /thongbao and /setgroup through the fake Bot API, bad input included."""

from __future__ import annotations

from bot.domain.records import OutboxStatus
from bot.services.broadcast import TEXT_MAX
from tests.conftest import ADMIN_ID
from tests.reminders.conftest import at
from tests.support import Person, plain

UNITS = ["bdbp", "so-vhttdl", "ubnd-ngoc-hoi", "ubnd-dak-to", "ubnd-dak-ha", "ubnd-tp-kon-tum",
         "bao-kon-tum", "dai-ptth", "cong-ttdt", "so-ngoai-vu", "cong-an"]


def _person(campaign, unit: str) -> Person:
    return Person(campaign.api, campaign.people[unit])


# --- /lichtrinh ----------------------------------------------------------------------------


async def test_timeline_shows_phases_agenda_deadlines_and_next_reminders(campaign, secretariat):
    plan = campaign.plan
    message = await secretariat.say("/lichtrinh")
    text = message.text
    for phase in plan.phases:
        assert phase.name in text
    for item in plan.agenda:
        assert item.title in text
    for deadline in plan.deadlines:
        assert deadline.title in text
    assert plain("reminders.timeline_next") in text
    # The next reminder: the registration list of 25/11 08:00 (T-3d).
    kind = plain("plan.kind_registration")
    assert plain("reminders.timeline_slot_nudge", at="25/11/2023 08:00", kind=kind,
                 count=1) in text


async def test_timeline_for_a_focal_point_lists_only_its_deadlines(campaign):
    await campaign.register("cong-an")
    message = await _person(campaign, "cong-an").say("/timeline")
    consolidation = next(d for d in campaign.plan.deadlines if d.kind.value == "consolidation")
    assert consolidation.title not in message.text
    assert plain("reminders.timeline_phases") in message.text


async def test_timeline_is_refused_to_strangers(campaign, stranger):
    message = await stranger.say("/lichtrinh")
    plan = campaign.plan
    assert message.text == plain("common.stranger_info", campaign=plan.title,
                                 secretariat=plan.unit(plan.secretariat).name)


# --- /nhacnho ------------------------------------------------------------------------------


async def test_remind_before_registration_ends_sends_the_secretariat_the_invites(
    campaign, secretariat, fake_api
):
    for unit in UNITS[:9]:
        await campaign.register(unit)
    reply = await secretariat.say("/nhacnho")
    assert reply.text == plain("reminders.remind_registration", count=2, due="28/11/2023 17:00")
    listing = await secretariat.reply()
    assert listing.text.count("https://t.me/daumoi_bot?start=") == 2
    assert campaign.plan.unit("cong-an").name in listing.text


async def test_remind_nudges_only_the_units_missing_the_nearest_deadline(campaign, secretariat):
    for unit in UNITS:
        await campaign.register(unit)
    campaign.clock.set(at(13, 12, 10))
    for unit in UNITS[:9]:
        await campaign.report(unit)
    reply = await secretariat.say("/nhacnho")
    plan = campaign.plan
    names = ", ".join(plan.unit(unit).short_name for unit in UNITS[9:])
    assert reply.text == plain("reminders.remind_queued", kind=plain("plan.kind_report"),
                               due="15/12/2023 17:00", count=2, units=names)
    for unit in UNITS[9:]:
        nudge = await _person(campaign, unit).reply()
        assert nudge.text.startswith("⏰")
    for unit in UNITS[:9]:
        assert campaign.api.sent_messages(campaign.people[unit].id) == []
    await campaign.runtime.tick()  # waits for the dispatcher to settle
    rows = [row for row in await campaign.outbox() if row.kind == "deadline.manual"]
    assert {row.recipient_unit_id for row in rows} == set(UNITS[9:])
    assert all(row.status is OutboxStatus.SENT for row in rows)


async def test_remind_is_for_the_secretariat_only(campaign, head):
    await campaign.register("cong-an")
    refused = await _person(campaign, "cong-an").say("/nhacnho")
    assert refused.text == plain("access.secretariat_only")
    assert (await head.say("/remind")).text == plain("access.secretariat_only")


# --- /thongbao -----------------------------------------------------------------------------


async def test_broadcast_previews_then_sends_once_to_every_focal_point_on_a_button(
    campaign, secretariat, fake_api
):
    for unit in UNITS[:4]:
        await campaign.register(unit)
    text = "Đề nghị các đơn vị gửi ảnh hoạt động trước 16:00 & ghi rõ nguồn."
    preview = await secretariat.say(f"/thongbao {text}\n<b>không phải thẻ HTML</b>")
    text += "\n<b>không phải thẻ HTML</b>"  # typed markup is shown as typed, never rendered
    assert preview.text.startswith(plain("reminders.broadcast_preview", text="@", count=4)
                                   .split("@")[0] + text)
    assert preview.text.endswith(
        "\n\n1. " + plain("reminders.choice_send") + "\n2. " + plain("reminders.choice_cancel")
    )
    assert len(preview.buttons) == 2
    send = preview.buttons[0]["callback_data"]
    fake_api.press_button(secretariat.user, preview, data=send)
    queued = await secretariat.reply()
    assert queued.text == plain("reminders.broadcast_queued", count=4)
    sender = campaign.plan.unit(campaign.plan.secretariat).name
    for unit in UNITS[:4]:
        message = await _person(campaign, unit).reply()
        heading = plain("reminders.broadcast_message", text="@", sender=sender).split("@")[0]
        assert message.text == heading + text
    await campaign.runtime.tick()
    for unit in UNITS[:4]:
        assert len(fake_api.sent_messages(campaign.people[unit].id)) == 1


async def test_broadcast_can_be_confirmed_or_cancelled_by_typing(campaign, secretariat):
    await campaign.register("cong-an")
    await secretariat.say("/thongbao Lịch họp thay đổi.")
    again = await secretariat.say("có lẽ")
    assert again.text == plain("reminders.broadcast_choose")
    await secretariat.reply()  # the preview again
    assert (await secretariat.say("2")).text == plain("reminders.broadcast_cancelled")
    assert campaign.api.sent_messages(campaign.people["cong-an"].id) == []
    await secretariat.say("/thongbao Lịch họp thay đổi.")
    confirm = campaign.api.send_text(secretariat.user, "1")
    assert (await secretariat.reply()).text == plain("reminders.broadcast_queued", count=1)
    message = await _person(campaign, "cong-an").reply()
    assert "Lịch họp thay đổi." in message.text
    # Telegram delivers the confirmation again (a lost acknowledgement): nothing is resent.
    campaign.api.redeliver(confirm["update_id"])
    assert (await secretariat.reply()).text == plain("reminders.broadcast_queued", count=1)
    await campaign.runtime.tick()
    assert len(campaign.api.sent_messages(campaign.people["cong-an"].id)) == 1


async def test_broadcast_refuses_bad_input(campaign, secretariat, stranger, fake_api):
    assert (await secretariat.say("/thongbao")).text == plain("reminders.broadcast_usage")
    assert (await secretariat.say("/thongbao   ")).text == plain("reminders.broadcast_usage")
    assert (await secretariat.say("/thongbao Xin chào")).text == plain(
        "reminders.broadcast_nobody")
    await campaign.register("cong-an")
    long_text = "a" * (TEXT_MAX + 1)
    assert (await secretariat.say(f"/thongbao {long_text}")).text == plain(
        "reminders.broadcast_too_long", max=TEXT_MAX, length=TEXT_MAX + 1)
    assert (await secretariat.say("/thongbao Tài liệu MẬT: kế hoạch bảo vệ")).text == plain(
        "reminders.broadcast_classified")
    assert (await _person(campaign, "cong-an").say("/thongbao Xin chào")).text == plain(
        "access.secretariat_only")
    assert (await stranger.say("/broadcast hi")).text.startswith("Xin chào")
    group = fake_api.add_group("Nhóm", [secretariat.user])
    fake_api.send_text(secretariat.user, "/thongbao Xin chào", chat=group)
    reply = await fake_api.wait_for_message(group.id, timeout=10)
    assert reply.text == plain("reminders.broadcast_private_only")
    await campaign.runtime.tick()
    assert len(fake_api.sent_messages(campaign.people["cong-an"].id)) == 1  # the refusal only


# --- /setgroup -----------------------------------------------------------------------------


async def test_setgroup_makes_the_group_receive_announcements_without_phone_numbers(
    campaign, secretariat, fake_api
):
    assert (await secretariat.say("/setgroup")).text == plain("reminders.group_only")
    await campaign.register("cong-an")
    member = campaign.people["cong-an"]
    group = fake_api.add_group("Điều phối Kon Tum", [secretariat.user, member])
    fake_api.send_text(member, "/setgroup", chat=group)
    refused = await fake_api.wait_for_message(group.id, timeout=10)
    assert refused.text == plain("access.secretariat_only")
    fake_api.send_text(secretariat.user, "/setgroup", chat=group)
    confirmed = await fake_api.wait_for_message(group.id, timeout=10)
    assert confirmed.text == plain("reminders.group_set", title="Điều phối Kon Tum")
    await campaign.run_until(at(5, 12, 17))
    texts = [m.text for m in fake_api.sent_messages(group.id)][2:]
    phase = next(p for p in campaign.plan.phases if p.id == "trong")
    assert len(texts) == 2  # the phase announcement and the first digest
    assert texts[0].startswith("📣") and phase.name in texts[0]
    assert texts[1].startswith("🗓")
    assert not any("+84" in text or "0912" in text for text in texts)
    assert ADMIN_ID not in {m.chat_id for m in fake_api.sent_messages(group.id)}
