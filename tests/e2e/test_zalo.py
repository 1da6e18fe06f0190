"""The real bot on the fake Zalo Bot API: every flow typed, files by signed link, de-duplication,
webhook secrets, a rejected token, and a campaign where Zalo and Telegram people mix."""

from __future__ import annotations

from collections.abc import AsyncIterator

import aiohttp
import pytest

from bot.app import Runtime, running_bot
from bot.channels.zalo import SECRET_HEADER
from bot.errors import StartupError
from bot.fakezalo import FakeZaloApi, tiny_png
from bot.settings import Settings
from tests.support import plain, running_without_errors

TOKEN = "1234567890:zalo-test-secret"
ADMIN = "a" * 20
HEAD = "b" * 20
UNIT = "bao-kon-tum"
SECRET = "webhook-secret-123"


@pytest.fixture
async def zalo() -> AsyncIterator[FakeZaloApi]:
    async with FakeZaloApi(token=TOKEN) as api:
        yield api


def zalo_settings(zalo: FakeZaloApi, database_url: str, **extra: object) -> Settings:
    return Settings(
        _env_file=None,  # type: ignore[call-arg]
        zalo_bot_token=TOKEN, zalo_api_url=zalo.url,
        database_url=database_url,
        admin_ids=f"zalo:{ADMIN}", head_ids=f"zalo:{HEAD}", web_listen="127.0.0.1:0",
        **extra,
    )


@pytest.fixture
async def zbot(zalo, database_url, kontum_plan, clock):
    settings = zalo_settings(zalo, database_url)
    async with Runtime.open(settings, kontum_plan, clock) as runtime:
        await runtime.load_plan()
        async with running_without_errors(runtime) as running:
            yield runtime, running


async def say(zalo: FakeZaloApi, user, text: str):
    zalo.send_text(user, text)
    return await zalo.wait_for_message(user.id)


async def register(zalo, runtime, user, phone="0912 345 678"):
    codes = await runtime.invite_codes()
    welcome = await say(zalo, user, f"dangky {codes[UNIT]}")  # no slash: Zalo has no menu
    consent = await zalo.wait_for_message(user.id)
    await say(zalo, user, "đồng ý ạ")
    await say(zalo, user, "Nguyễn Thị Lan")
    ask_phone = await say(zalo, user, "Phó Tổng Biên tập")
    await say(zalo, user, phone)
    card = await zalo.wait_for_message(user.id)
    saved = await say(zalo, user, "1")
    await zalo.wait_for_message(user.id)  # the unit's brief
    return welcome, consent, ask_phone, card, saved


async def test_a_focal_point_registers_reports_with_a_photo_on_zalo(zbot, zalo, kontum_plan):
    runtime, _ = zbot
    lan = zalo.add_user("Lan")
    welcome, consent, ask_phone, card, saved = await register(zalo, runtime, lan)
    unit = kontum_plan.unit(UNIT).name
    assert welcome.text == plain("registration.welcome_focal_point", unit=unit)
    assert "1. " in consent.text and "<b>" not in consent.text  # numbered, plain text
    assert ask_phone.text == plain("registration.ask_phone_typed")
    assert "Nguyễn Thị Lan" in card.text
    assert saved.text == plain("registration.saved", unit=unit)
    async with runtime.uow_factory() as uow:
        [seat] = await uow.focal_points.active(kontum_plan.id)
    assert str(seat.user) == f"zalo:{lan.id}" and seat.phone_e164 == "+84912345678"

    await say(zalo, lan, "baocao 3")
    for answer in ("3", "12 bài", "1.200", "bỏ qua", "Đã đăng 12 bài."):
        await say(zalo, lan, answer)
    zalo.send_photo(lan, tiny_png(), caption="Băng rôn", field="photo")  # the docs' field name
    await zalo.wait_for_message(lan.id)
    preview = await say(zalo, lan, "xong")
    assert "12" in preview.text
    done = await say(zalo, lan, "1")
    [report] = await runtime.services.reporting.all_reports()
    assert report.reference in done.text and len(report.attachments) == 1
    assert report.attachments[0].channel == "zalo"
    await runtime.services.archive.idle()


async def test_staff_summary_and_word_export_through_a_signed_link(zbot, zalo):
    runtime, running = zbot
    admin = zalo.add_user("Thư ký", id=ADMIN)
    first = await say(zalo, admin, "tonghop")
    assert first.method == "sendMessage" and len(first.text) <= 2000
    chart = await zalo.wait_for_message(admin.id, predicate=lambda m: m.method == "sendPhoto")
    async with aiohttp.ClientSession() as http:
        async with http.get(chart.photo) as response:
            assert response.status == 200 and (await response.read()).startswith(b"\x89PNG")
        answer = await say(zalo, admin, "/xuat docx")
        while "/files/" not in (answer.text or ""):
            answer = await zalo.wait_for_message(admin.id)
        link = next(word for word in answer.text.split() if "/files/" in word)
        async with http.get(link) as response:
            assert response.status == 200 and (await response.read())[:2] == b"PK"
        file_id, owner, expires, signature = link.rsplit("/", 4)[1:]
        other = link.replace(owner, f"zalo~{HEAD}")
        forged = link[:-4] + ("0000" if not link.endswith("0000") else "1111")
        expired = link.replace(f"/{expires}/", f"/{int(expires) - 10**6}/")
        for bad in (other, forged, expired):
            async with http.get(bad) as response:
                assert response.status == 403, bad


async def test_a_long_answer_is_split_and_a_repeated_delivery_has_one_effect(zbot, zalo):
    runtime, _ = zbot
    admin = zalo.add_user("Thư ký", id=ADMIN)
    await say(zalo, admin, "donvi")
    sent_before = len(zalo.messages_to(admin.id))
    zalo.resend_last()
    await zalo.wait_for_poll()
    await zalo.wait_for_poll()
    assert len(zalo.messages_to(admin.id)) == sent_before
    text = "x" * 1500 + "\n" + "y" * 1000
    chunks = [c for c in (await _split(text))]
    assert [len(c) for c in chunks] == [1500, 1000]


async def _split(text: str) -> list[str]:
    from bot.channels.common import split_text

    return split_text(text, 2000)


async def test_whoami_gives_the_address_to_configure(zbot, zalo):
    person = zalo.add_user("Người lạ")
    answer = await say(zalo, person, "/toi")
    assert f"zalo:{person.id}" in answer.text


async def test_a_rejected_token_at_start_is_one_clear_line(zalo, database_url, kontum_plan,
                                                           clock):
    settings = zalo_settings(zalo, database_url).model_copy(
        update={"zalo_bot_token": Settings(zalo_bot_token="1:wrong").zalo_bot_token})
    async with Runtime.open(settings, kontum_plan, clock) as runtime:
        with pytest.raises(StartupError) as caught:
            async with running_bot(runtime):
                pass
    assert "ZALO_BOT_TOKEN" in str(caught.value) and "wrong" not in str(caught.value)


async def test_the_webhook_refuses_a_wrong_secret_and_takes_both_body_shapes(
    zalo, database_url, kontum_plan, clock
):
    settings = zalo_settings(zalo, database_url, zalo_webhook_url="http://127.0.0.1/zalo/webhook",
                             zalo_webhook_secret=SECRET)
    async with Runtime.open(settings, kontum_plan, clock) as runtime:
        await runtime.load_plan()
        async with running_bot(runtime) as running:
            port = running.web.port
            zalo.webhook["url"] = f"http://127.0.0.1:{port}/zalo/webhook"
            person = zalo.add_user("Lan")
            zalo.send_text(person, "/toi", wrong_secret=True)
            refused = await zalo.wait_for_delivery()
            assert refused.status == 403
            assert zalo.messages_to(person.id) == []
            for shape in ("wrapped", "unwrapped"):
                zalo.send_text(person, "/toi", webhook_body=shape)
                answer = await zalo.wait_for_message(person.id)
                assert f"zalo:{person.id}" in answer.text
            async with aiohttp.ClientSession() as http:
                async with http.post(f"http://127.0.0.1:{port}/zalo/webhook", data=b"{}",
                                     headers={SECRET_HEADER: "nope",
                                              "Content-Type": "application/json"}) as response:
                    assert response.status == 403


# --- Zalo and Telegram in one campaign --------------------------------------------------------

TG_TOKEN = "123456:TEST-token-daumoi"
TG_ADMIN = 900001


@pytest.fixture
async def mixed(zalo, fake_api, database_url, kontum_plan, clock):
    """The bot on both channels: the secretariat on Zalo and on Telegram, the head on Zalo."""
    from pydantic import SecretStr

    from bot.domain.address import Address

    base = zalo_settings(zalo, database_url)
    settings = base.model_copy(update={
        "bot_token": SecretStr(TG_TOKEN), "telegram_api_url": fake_api.url,
        "admin_ids": frozenset({Address("zalo", ADMIN), Address("telegram", str(TG_ADMIN))}),
    })
    async with Runtime.open(settings, kontum_plan, clock) as runtime:
        await runtime.load_plan()
        async with running_bot(runtime) as running:
            yield runtime, running


async def _seat(runtime, unit: str, address) -> None:
    from bot.domain.records import FocalPoint, FocalPointRole

    now = runtime.services.clock.now()
    async with runtime.uow_factory() as uow:
        await uow.focal_points.add(FocalPoint(
            runtime.plan.id, unit, FocalPointRole.FOCAL_POINT, address, address,
            f"Đầu mối {unit}", "Chuyên viên", "+84912345678", "vi", now, now))
        await uow.commit()


async def test_nudges_reach_each_unit_on_its_own_channel(mixed, zalo, fake_api, clock):
    from bot.domain.address import Address
    from tests.reminders.conftest import Campaign, at
    from tests.support import Talk, tg

    runtime, _ = mixed
    on_zalo = zalo.add_user("Đầu mối Công an")
    on_telegram = fake_api.add_user("Đầu mối BĐBP")
    await _seat(runtime, "cong-an", Address("zalo", on_zalo.id))
    await _seat(runtime, "bdbp", tg(on_telegram.id))
    campaign = Campaign(Talk(fake_api, runtime), clock)
    await campaign.run_until(at(5, 12, 7))  # the phase announcement of the focus period
    zalo_texts = [m.text for m in zalo.messages_to(on_zalo.id)]
    telegram_texts = [m.text for m in fake_api.sent_messages(on_telegram.id)]
    phase = next(p for p in runtime.plan.phases if p.id == "trong")
    assert any(phase.name in text for text in zalo_texts)
    assert any(phase.name in text for text in telegram_texts)
    assert all("<b>" not in text and len(text) <= 2000 for text in zalo_texts)
    # Each row went out on its own channel and nowhere else.
    rows = await campaign.outbox()
    for row in rows:
        if row.recipient_unit_id == "cong-an" and row.status.value == "sent":
            assert row.address.channel == "zalo"
        if row.recipient_unit_id == "bdbp" and row.status.value == "sent":
            assert row.address.channel == "telegram"
    # The secretariat sees which channel each focal point uses (on Zalo, in a private chat).
    admin = zalo.add_user("Thư ký", id=ADMIN)
    await say(zalo, admin, "donvi")
    await zalo.wait_for_poll()
    directory = "\n".join(m.text for m in zalo.messages_to(admin.id))
    assert "[Zalo] Đầu mối cong-an" in directory and "[Telegram] Đầu mối bdbp" in directory


async def test_a_zalo_group_set_by_the_secretariat_gets_announcements_without_phones(
    mixed, zalo, fake_api, clock
):
    from bot.domain.address import Address
    from tests.reminders.conftest import Campaign, at
    from tests.support import Talk

    runtime, _ = mixed
    admin = zalo.add_user("Thư ký", id=ADMIN)
    member = zalo.add_user("Đầu mối Công an")
    await _seat(runtime, "cong-an", Address("zalo", member.id))
    group = zalo.add_group("Điều phối Kon Tum", members=[admin, member])
    zalo.send_text(member, "/setgroup", chat=group, mention=True)
    refused = await zalo.wait_for_message(group.id)
    assert refused.text == plain("access.secretariat_only")
    zalo.send_text(admin, "setgroup", chat=group)  # not mentioned: Zalo never delivers it
    zalo.send_text(admin, "/setgroup", chat=group, mention=True)
    confirmed = await zalo.wait_for_message(group.id)
    assert confirmed.text.startswith(plain("reminders.group_set", title="x").split("x")[0])
    zalo.send_text(admin, "donvi", chat=group, mention=True)  # in a group: never phones
    directory = await zalo.wait_for_message(group.id)
    assert "0912" not in directory.text and "+84" not in directory.text
    await Campaign(Talk(fake_api, runtime), clock).run_until(at(5, 12, 17))
    texts = [m.text for m in zalo.messages_to(group.id)][3:]
    phase = next(p for p in runtime.plan.phases if p.id == "trong")
    assert any(phase.name in text for text in texts)
    assert not any("+84" in text or "0912" in text for text in texts)


async def test_once_the_quota_is_used_only_nudges_go_out(zalo, database_url, kontum_plan,
                                                         clock):
    from bot.domain.address import Address
    from bot.domain.records import OutboxStatus
    from tests.reminders.conftest import Campaign, at
    from tests.support import Talk

    settings = zalo_settings(zalo, database_url, zalo_monthly_quota=2)
    async with Runtime.open(settings, kontum_plan, clock) as runtime:
        await runtime.load_plan()
        async with running_bot(runtime):
            people = {unit: zalo.add_user(f"Đầu mối {unit}") for unit in
                      ("cong-an", "bdbp", "so-ngoai-vu")}
            for unit, person in people.items():
                await _seat(runtime, unit, Address("zalo", person.id))
            campaign = Campaign(Talk(zalo, runtime), clock)
            await campaign.run_until(at(5, 12, 7))
            rows = await campaign.outbox()
            phase = [row for row in rows if row.kind == "phase"]
            assert sorted(row.status.value for row in phase) == ["sent", "sent", "skipped"]
            [skipped] = [row for row in phase if row.status is OutboxStatus.SKIPPED]
            assert "quota" in skipped.last_error
            assert {row.text_key for row in rows if row.kind == "quota"} == {
                "quota.warning", "quota.reached"}
            # A deadline nudge still goes out.
            await campaign.run_until(at(12, 12, 9))
            nudges = [row for row in await campaign.outbox(OutboxStatus.SENT)
                      if row.kind == "deadline"]
            assert nudges, "deadline nudges are sent past the quota"


async def test_an_answer_over_2000_characters_arrives_in_parts(zbot, zalo):
    from bot.domain.address import Address

    runtime, _ = zbot
    await _seat(runtime, "cong-an", Address("zalo", zalo.add_user("Đầu mối").id))
    admin = zalo.add_user("Thư ký", id=ADMIN)
    announcement = "\n".join(f"{n}. Các đơn vị treo băng rôn tại trụ sở và nơi công cộng."
                              for n in range(1, 46))  # about 2,500 characters
    assert len(announcement) > 2400
    zalo.send_text(admin, f"thongbao {announcement}")
    parts = [(await zalo.wait_for_message(admin.id)).text for _ in range(2)]
    assert len(parts) >= 2 and all(len(part) <= 2000 for part in parts)
    joined = "\n".join(parts)
    assert "1. Các đơn vị" in joined and "45. Các đơn vị" in joined


async def test_unsupported_and_sticker_messages_get_a_polite_answer(zbot, zalo, kontum_plan):
    stranger_info = plain("common.stranger_info", campaign=kontum_plan.title,
                          secretariat=kontum_plan.unit(kontum_plan.secretariat).name)
    person = zalo.add_user("Người dùng đặc biệt")
    zalo.send_unsupported(person)  # Zalo sends no content for protected users
    assert (await zalo.wait_for_message(person.id)).text == plain("common.unsupported")
    zalo.send_sticker(person)
    assert (await zalo.wait_for_message(person.id)).text == stranger_info


async def test_an_image_by_photo_url_outside_a_flow_is_answered(zbot, zalo, kontum_plan):
    stranger_info = plain("common.stranger_info", campaign=kontum_plan.title,
                          secretariat=kontum_plan.unit(kontum_plan.secretariat).name)
    person = zalo.add_user("Lan")
    zalo.send_photo(person, tiny_png(), caption="Băng rôn", field="photo_url")
    assert (await zalo.wait_for_message(person.id)).text == stranger_info


async def test_eleven_units_register_by_typing_on_zalo(zbot, zalo, kontum_plan):
    runtime, _ = zbot
    codes = await runtime.invite_codes()
    units = [unit.id for unit in kontum_plan.focal_point_units]
    assert len(units) == 11
    for number, unit in enumerate(units, start=1):
        person = zalo.add_user(f"Đầu mối {number}")
        await say(zalo, person, f"/dangky {codes[unit]}")
        await zalo.wait_for_message(person.id)  # the consent question
        await say(zalo, person, "1")
        await say(zalo, person, f"Cán bộ số {number}")
        await say(zalo, person, "Chuyên viên")
        await say(zalo, person, f"09123456{number:02d}")
        await zalo.wait_for_message(person.id)  # the card
        saved = await say(zalo, person, "lưu")
        assert saved.text == plain("registration.saved", unit=kontum_plan.unit(unit).name)
        await zalo.wait_for_message(person.id)
    directory = await runtime.services.directory.units()
    assert directory.registered == directory.required == 11
    async with runtime.uow_factory() as uow:
        seats = await uow.focal_points.active(kontum_plan.id)
    assert {seat.user.channel for seat in seats} == {"zalo"}


@pytest.mark.parametrize("message", [
    "{code}",
    "dang ky {code}",
    "Đăng ký {code}",
    "Kính gửi các đơn vị. Sở TT&TT gửi mã mời đầu mối của Báo Kon Tum: {code} (hạn dùng đến "
    "hết kế hoạch). Trân trọng.",
])
async def test_an_invite_code_typed_or_forwarded_on_zalo_registers(zbot, zalo, message):
    runtime, _ = zbot
    codes = await runtime.invite_codes()
    person = zalo.add_user("Lan")
    welcome = await say(zalo, person, message.format(code=codes[UNIT]))
    assert welcome.text == plain("registration.welcome_focal_point", unit="Báo Kon Tum")


async def test_a_report_text_forwarded_on_zalo_is_kept_and_asked_about(zbot, zalo):
    runtime, _ = zbot
    person = zalo.add_user("Lan")
    await register(zalo, runtime, person)
    letter = ("Báo Kon Tum báo cáo kết quả tuyên truyền: đã đăng 15 tin bài, 3 phóng sự ảnh "
              "về Lễ giao lưu hữu nghị quốc phòng biên giới; chia sẻ trên fanpage 4.500 lượt.")
    which = await say(zalo, person, letter)
    assert which.text.startswith(plain("drafts.which_task_text"))
    assert "1." in which.text  # numbered choices: Zalo has no buttons
