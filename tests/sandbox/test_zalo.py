"""Zalo personas in the sandbox, driven through its HTTP API: the fake Zalo, typed flows, a group
that only hears mentions, pictures and files by link, and the outbox by address."""

from __future__ import annotations

import asyncio
from typing import Any

from aiohttp import ClientSession, FormData

from bot.domain.address import Address
from bot.fakezalo import tiny_png
from bot.sandbox import Sandbox
from bot.sandbox.personas import zalo_unit_of
from bot.texts import t
from tests.support import plain

from .conftest import WAIT, post

ZALO_SECRETARIAT = "zalo-secretariat"
ZALO_GROUP = "zalo-group"


def zalo_focal(sandbox: Sandbox) -> str:
    """The key of the focal point on Zalo."""
    unit = zalo_unit_of(sandbox.plan)
    assert unit is not None
    return f"focal-{unit.id}"


def first_line(key: str, /, **values: object) -> str:
    """The first line of a catalogue text, as plain text."""
    return plain(key, **values).splitlines()[0]


async def zalo_says(sandbox: Sandbox, key: str, fragment: str) -> Any:
    """Wait for the bot's next message in a Zalo persona's chat containing ``fragment``."""
    chat = str(sandbox.personas[key].chat_id)
    return await sandbox.zalo.wait_for_message(
        chat, timeout=WAIT, predicate=lambda m: fragment in (m.text or m.caption or "")
    )


async def exchange(client, sandbox: Sandbox, key: str, text: str, fragment: str) -> Any:
    """Type a message as a Zalo persona through the page's API; wait for the answer."""
    status, body = await post(client, "/api/send", persona=key, text=text)
    assert status == 200 and body["ok"], body
    return await zalo_says(sandbox, key, fragment)


async def chat(client, key: str) -> dict[str, Any]:
    """The persona's chat as the page gets it."""
    return await (await client.get(f"/api/messages?persona={key}")).json()


async def test_the_personas_include_zalo_ones(client, sandbox, kontum_plan):
    state = await (await client.get("/api/state")).json()
    personas = {p["key"]: p for p in state["personas"]}
    assert {p["channel"] for p in state["personas"]} == {"telegram", "zalo"}
    on_zalo = {p["key"] for p in state["personas"] if p["channel"] == "zalo"}
    assert on_zalo == {ZALO_SECRETARIAT, zalo_focal(sandbox), ZALO_GROUP}
    focal = personas[zalo_focal(sandbox)]
    assert focal["kind"] == "focal" and focal["invite_code"] and focal["phone"]
    assert focal["address"] == f"zalo:{focal['user_id']}"
    # every unit has exactly one focal point persona: this one on Zalo, the others on Telegram
    units = [p["unit_id"] for p in state["personas"] if p["kind"] == "focal"]
    assert units == [u.id for u in kontum_plan.focal_point_units]
    secretariat = personas[ZALO_SECRETARIAT]
    assert secretariat["kind"] == "secretariat" and secretariat["name"] == personas[
        "secretariat"]["name"]
    group = personas[ZALO_GROUP]
    assert group["kind"] == "group" and group["channel"] == "zalo"
    assert set(group["members"]) == {secretariat["user_id"], focal["user_id"]}
    # the fake Zalo knows them; the bot is configured for it, polling, the same clock
    zalo = sandbox.zalo
    assert {secretariat["user_id"], focal["user_id"]} <= set(zalo.users)
    assert zalo.groups[group["chat_id"]].members == group["members"]
    settings = sandbox.runtime.settings
    assert settings.zalo_enabled and settings.telegram_enabled
    assert settings.zalo_api_url == zalo.url and not settings.zalo_webhook_url
    assert Address("zalo", secretariat["user_id"]) in settings.admin_ids
    assert zalo.webhook is None
    await zalo.wait_for_poll()  # the bot long-polls getUpdates
    assert zalo.clock() == sandbox.clock.now().timestamp()
    # file links point at the bot's own web server, on its random port of 127.0.0.1
    running = sandbox.running
    assert running is not None and running.zalo is not None
    assert running.links.base_url == f"http://127.0.0.1:{running.web.port}"
    assert state["zalo_bot"]["name"] == zalo.bot_name


async def test_a_zalo_focal_point_registers_by_typing_and_sees_no_buttons(
    client, sandbox, kontum_plan
):
    key = zalo_focal(sandbox)
    persona = sandbox.personas[key]
    status, _ = await post(client, "/api/invite", persona=key)
    assert status == 200
    welcome = await zalo_says(sandbox, key, first_line(
        "registration.welcome_focal_point", unit=persona.unit_name))
    assert welcome.text == plain("registration.welcome_focal_point", unit=persona.unit_name)
    await zalo_says(sandbox, key, "1. ")  # the consent, choices numbered for typing
    await exchange(client, sandbox, key, "1", first_line("registration.ask_name"))
    await exchange(client, sandbox, key, "Lê Minh Tuấn", first_line("registration.ask_position"))
    await exchange(client, sandbox, key, "Chuyên viên",
                   first_line("registration.ask_phone_typed"))
    local = "0" + (persona.phone or "")[3:]
    await exchange(client, sandbox, key, local, first_line("registration.card"))
    await exchange(client, sandbox, key, "1",
                   first_line("registration.saved", unit=persona.unit_name))
    async with sandbox.runtime.uow_factory() as uow:
        [seat] = await uow.focal_points.active(kontum_plan.id)
    assert seat.user == persona.address and seat.phone_e164 == persona.phone

    shown = await chat(client, key)
    messages = shown["messages"]
    assert shown["keyboard"] is None
    assert [m["message_id"] for m in messages] == list(range(1, len(messages) + 1))
    assert messages[0]["text"] == f"dangky {persona.invite_code}" and not messages[0]["from_bot"]
    from_bot = [m for m in messages if m["from_bot"]]
    assert len(from_bot) >= 6
    assert all(m["buttons"] == [] for m in messages)
    assert all("<b>" not in (m["text"] or "") for m in from_bot)
    assert {e["type"] for m in messages for e in m["entities"]} <= {"url", "email"}
    typed = [m["text"] for m in messages if not m["from_bot"]]
    assert typed[1:] == ["1", "Lê Minh Tuấn", "Chuyên viên", local, "1"]
    # no buttons to press, no contact button, no command menu on Zalo
    status, body = await post(client, "/api/press", persona=key, message_id=2, data="x")
    assert status == 409 and body["error"] == t("sandbox.err_no_button")
    status, body = await post(client, "/api/contact", persona=key)
    assert status == 400 and body["error"] == t("sandbox.err_contact_zalo")
    assert await (await client.get(f"/api/menu?persona={key}")).json() == []


async def test_the_zalo_group_hears_the_bot_only_with_the_mention(client, sandbox):
    group = sandbox.personas[ZALO_GROUP]
    speaker = sandbox.personas[ZALO_SECRETARIAT].user_id
    events = len(sandbox.zalo.events)
    status, _ = await post(client, "/api/send", persona=ZALO_GROUP, text="/huongdan",
                           **{"as": speaker})
    assert status == 200
    [event] = sandbox.zalo.events[events:]
    message = event["message"]
    assert message["chat"] == {"id": group.chat_id, "chat_type": "GROUP"}
    assert message["from"]["id"] == speaker
    assert message["text"] == f"@{sandbox.zalo.bot_name} /huongdan"
    answer = await sandbox.zalo.wait_for_message(group.chat_id, timeout=WAIT)
    assert answer.text and plain("common.unknown_command") not in answer.text
    shown = (await chat(client, ZALO_GROUP))["messages"]
    assert shown[0]["text"] == message["text"] and shown[0]["sender_id"] == speaker
    assert shown[1]["from_bot"] and shown[1]["text"] == answer.text
    # the same words without the mention never reach the bot: Zalo does not deliver them
    assert sandbox.zalo.send_text(speaker, "/huongdan", chat=group.chat_id) is None
    assert len(sandbox.zalo.events) == events + 1
    # only members speak in the group
    outsider = sandbox.personas["stranger"].user_id
    status, body = await post(client, "/api/send", persona=ZALO_GROUP, text="hi",
                              **{"as": outsider})
    assert status == 400 and body["error"] == t("sandbox.err_not_member")


async def test_the_chart_is_a_picture_and_files_are_links_that_open(client, sandbox):
    await exchange(client, sandbox, ZALO_SECRETARIAT, "tonghop", "")
    await sandbox.zalo.wait_for_message(
        str(sandbox.personas[ZALO_SECRETARIAT].chat_id), timeout=WAIT,
        predicate=lambda m: m.method == "sendPhoto",
    )
    answer = await exchange(client, sandbox, ZALO_SECRETARIAT, "xuat docx", "/files/")
    messages = (await chat(client, ZALO_SECRETARIAT))["messages"]
    [photo] = [m for m in messages if m.get("photo")]
    assert photo["from_bot"] and photo["photo"]["url"].startswith("/api/zalo/photo/")
    image = await client.get(photo["photo"]["url"])
    assert image.status == 200 and image.content_type == "image/png"
    assert (await image.read()).startswith(b"\x89PNG")
    [with_link] = [m for m in messages if m["text"] == answer.text]
    [entity] = [e for e in with_link["entities"] if e["type"] == "url"]
    units = with_link["text"].encode("utf-16-le")  # offsets count UTF-16 units, as in JS
    link = units[2 * entity["offset"] : 2 * (entity["offset"] + entity["length"])].decode(
        "utf-16-le")
    port = sandbox.running.web.port
    assert link.startswith(f"http://127.0.0.1:{port}/files/")
    async with ClientSession() as http, http.get(link) as response:
        assert response.status == 200 and (await response.read())[:2] == b"PK"
    # the sandbox fetches only pictures the bot sent
    assert (await client.get("/api/zalo/photo/99999")).status == 404
    assert (await client.get("/api/zalo/photo/nope")).status == 404


async def test_a_photo_upload_goes_to_the_fake_zalo(client, sandbox):
    key = zalo_focal(sandbox)
    form = FormData()
    form.add_field("persona", key)
    form.add_field("caption", "Pano tuyên truyền")
    form.add_field("file", tiny_png(), filename="pano.png", content_type="image/png")
    response = await client.post("/api/upload", data=form)
    assert response.status == 200, await response.text()
    event = sandbox.zalo.events[-1]
    assert event["event_name"] == "message.image.received"
    assert event["message"]["caption"] == "Pano tuyên truyền"
    [media] = sandbox.zalo.media.values()
    assert media.data == tiny_png()
    photo = (await chat(client, key))["messages"][0]
    assert not photo["from_bot"] and photo["caption"] == "Pano tuyên truyền"
    served = await client.get(photo["photo"]["url"])
    assert served.status == 200 and await served.read() == tiny_png()
    assert (await client.get("/api/zalo/media/nope.png")).status == 404
    form = FormData()
    form.add_field("persona", key)
    form.add_field("file", b"%PDF-1.4", filename="a.pdf", content_type="application/pdf")
    response = await client.post("/api/upload", data=form)
    assert response.status == 415
    assert (await response.json())["error"] == t("sandbox.err_zalo_photos_only")


async def test_outbox_rows_name_the_zalo_address(client, sandbox):
    status, body = await post(client, "/api/clock", action="next")
    assert status == 200, body
    address = str(sandbox.personas[ZALO_SECRETARIAT].address)
    await sandbox.zalo.wait_for_message(sandbox.personas[ZALO_SECRETARIAT].chat_id, timeout=WAIT)

    async def sent_rows() -> list[dict[str, Any]]:
        # the page's panel refreshes on its own, a moment after each send
        async with asyncio.timeout(WAIT):
            while True:
                rows = (await (await client.get("/api/outbox")).json())["rows"]
                if any(row["address"] == address and row["status"] == "sent" for row in rows):
                    return rows
                await asyncio.sleep(0.2)

    rows = await sent_rows()
    assert any(row["address"].startswith("telegram:") for row in rows)
    state = await (await client.get("/api/state")).json()
    assert address in {p["address"] for p in state["personas"]}


async def test_the_language_switch_reaches_zalo_personas(client, sandbox):
    status, _ = await post(client, "/api/lang", lang="en")
    assert status == 200
    person = sandbox.personas[ZALO_SECRETARIAT]
    assert sandbox.runtime.services.preferences.locale_of(person.address) == "en"
    answer = await exchange(client, sandbox, ZALO_SECRETARIAT, "/toi", str(person.address))
    assert answer.text == plain("common.whoami", "en", address=str(person.address))
