"""The sandbox's web API without a browser: personas, chat, uploads, clock, escaping, streams."""

from __future__ import annotations

import asyncio
from datetime import timedelta

import aiohttp
import pytest
from aiohttp import FormData

from bot.domain.address import Address
from bot.fakeserver.world import tiny_png
from bot.sandbox import MAX_UPLOAD_BYTES, make_web_app, run_sandbox
from bot.sandbox.session import default_start
from bot.settings import Settings
from bot.texts import t
from tests.support import tg

from .conftest import EventReader, bot_reply, post

SCRIPT = "<script>alert(1)</script><b>not bold</b> & <img src=x onerror=alert(2)>"


async def test_page_is_served_with_a_strict_content_policy(client):
    response = await client.get("/")
    assert response.status == 200
    page = await response.text()
    assert '<script src="/static/app.js"' in page
    policy = response.headers["Content-Security-Policy"]
    assert "script-src 'self'" in policy and "unsafe-inline" not in policy
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    for asset in ("/static/app.js", "/static/style.css"):
        assert (await client.get(asset)).status == 200


async def test_the_tab_has_an_icon(client):
    page = await (await client.get("/")).text()
    assert 'rel="icon"' in page
    for path in ("/favicon.ico", "/static/favicon.svg"):
        response = await client.get(path)
        assert response.status == 200 and response.content_type == "image/svg+xml"
        assert (await response.text()).startswith("<svg")


async def test_page_never_parses_text_as_html():
    from bot.sandbox.web import STATIC

    script = (STATIC / "app.js").read_text()
    for sink in ("innerHTML", "outerHTML", "insertAdjacentHTML", "document.write", "eval("):
        assert sink not in script


async def test_texts_come_from_the_catalogue_in_both_languages(client):
    vi = await (await client.get("/api/texts?lang=vi")).json()
    en = await (await client.get("/api/texts?lang=en")).json()
    assert vi["title"] == t("sandbox.title", "vi") and en["title"] == t("sandbox.title", "en")
    assert set(vi) == set(en)
    fallback = await (await client.get("/api/texts?lang=xx")).json()
    assert fallback == vi


async def test_personas_cover_every_role(client, sandbox, kontum_plan):
    state = await (await client.get("/api/state")).json()
    personas = {p["key"]: p for p in state["personas"]}
    # One role per Telegram persona; the Zalo side (the secretariat's Zalo account, one unit's
    # focal point, the Zalo group) is checked in test_zalo.py.
    kinds = [p["kind"] for p in state["personas"] if p["channel"] == "telegram"]
    assert kinds.count("secretariat") == kinds.count("head") == kinds.count("stranger") == 1
    focal = [p for p in state["personas"] if p["kind"] == "focal"]
    assert [p["unit_id"] for p in focal] == [u.id for u in kontum_plan.focal_point_units]
    assert len({p["phone"] for p in state["personas"] if p["phone"]}) == len(focal) + 3
    group = personas["group"]
    assert personas["stranger"]["user_id"] not in group["members"]
    assert personas["secretariat"]["user_id"] in group["members"]
    assert all(p["user_id"] in group["members"] for p in focal if p["channel"] == "telegram")
    chat = sandbox.api.chats[group["chat_id"]]
    assert chat.is_group and chat.bot_status == "member"
    settings = sandbox.runtime.settings
    zalo_secretariat = Address("zalo", personas["zalo-secretariat"]["user_id"])
    assert settings.admin_ids == {tg(personas["secretariat"]["user_id"]), zalo_secretariat}
    assert settings.head_ids == {tg(personas["head"]["user_id"])}
    assert settings.telegram_api_url == sandbox.api.url
    codes = [p["invite_code"] for p in focal]
    # Invites exist once registration is in; then every unit has its own.
    assert all(codes) or not any(codes)
    if any(codes):
        assert len(set(codes)) == len(codes)
    assert state["limits"]["upload_bytes"] == MAX_UPLOAD_BYTES


async def test_sandbox_starts_on_the_first_morning_of_the_campaign(sandbox, kontum_plan):
    start = default_start(kontum_plan)
    assert sandbox.clock.now() == start
    assert start.astimezone(sandbox.zone).hour == 8
    assert start.date() == kontum_plan.start.date()


async def test_sending_text_reaches_the_real_bot(client, sandbox):
    status, body = await post(client, "/api/send", persona="stranger", text="/start")
    assert status == 200 and body["ok"]
    reply = await bot_reply(sandbox, "stranger")
    assert "daumoi" in reply.text
    chat = await (await client.get("/api/messages?persona=stranger")).json()
    first, second = chat["messages"][:2]
    assert (first["from_bot"], first["text"]) == (False, "/start")
    assert second["from_bot"] and second["text"] == reply.text
    assert {"type": "bold", "offset": 17, "length": 6} in second["entities"]
    # commands in the bot's text are clickable, but not inside <code>
    commands = [e for e in second["entities"] if e["type"] == "bot_command"]
    assert commands and all(
        not any(
            c["offset"] < e["offset"] + e["length"] and e["offset"] < c["offset"] + c["length"]
            for e in second["entities"]
            if e["type"] == "code"
        )
        for c in commands
    )


async def test_markup_in_a_message_stays_plain_text(client, sandbox):
    status, _ = await post(client, "/api/send", persona="stranger", text=SCRIPT)
    assert status == 200
    await bot_reply(sandbox, "stranger")
    chat = await (await client.get("/api/messages?persona=stranger")).json()
    mine = chat["messages"][0]
    assert mine["text"] == SCRIPT
    # only what Telegram detects in plain text ("/script" looks like a command), no formatting
    assert {e["type"] for e in mine["entities"]} <= {"bot_command", "url", "mention", "hashtag"}


async def test_empty_and_overlong_messages_are_refused(client):
    status, body = await post(client, "/api/send", persona="stranger", text="   ")
    assert status == 400 and body["error"] == t("sandbox.err_empty")
    status, body = await post(client, "/api/send", persona="stranger", text="x" * 4097)
    assert status == 400 and body["error"] == t("sandbox.err_too_long", limit=4096)


async def test_unknown_persona_and_outsiders_in_the_group_are_refused(client, sandbox):
    status, body = await post(client, "/api/send", persona="nobody", text="hi")
    assert status == 404 and not body["ok"]
    stranger = sandbox.personas["stranger"].user_id
    status, body = await post(client, "/api/send", persona="group", text="hi", **{"as": stranger})
    assert status == 400 and body["error"] == t("sandbox.err_not_member")


async def test_a_group_member_speaks_in_the_group(client, sandbox):
    head = sandbox.personas["head"].user_id
    status, _ = await post(client, "/api/send", persona="group", text="/help", **{"as": head})
    assert status == 200
    chat = await (await client.get("/api/messages?persona=group")).json()
    mine = [m for m in chat["messages"] if m.get("text") == "/help"]
    assert mine and mine[0]["sender_id"] == head


async def test_requests_must_be_json_from_the_same_origin(client):
    response = await client.post("/api/send", data="persona=stranger&text=hi")
    assert response.status == 415
    response = await client.post(
        "/api/send",
        json={"persona": "stranger", "text": "hi"},
        headers={"Origin": "http://evil.example"},
    )
    assert response.status == 403
    assert (await response.json())["error"] == t("sandbox.err_cross_origin")


async def test_photo_upload_is_shown_inline(client, sandbox):
    form = FormData()
    form.add_field("persona", "focal-bdbp")
    form.add_field("caption", "Pano tuyên truyền")
    form.add_field("file", tiny_png(40, 30), filename="pano.png", content_type="image/png")
    response = await client.post("/api/upload", data=form)
    assert response.status == 200, await response.text()
    chat = await (await client.get("/api/messages?persona=focal-bdbp")).json()
    photo = chat["messages"][0]
    assert photo["caption"] == "Pano tuyên truyền"
    assert (photo["photo"]["width"], photo["photo"]["height"]) == (40, 30)
    image = await client.get(photo["photo"]["url"])
    assert image.status == 200 and image.content_type == "image/png"
    assert await image.read() == tiny_png(40, 30)


async def test_documents_are_downloads_never_pages(client, sandbox):
    form = FormData()
    form.add_field("persona", "focal-bdbp")
    form.add_field("file", SCRIPT.encode(), filename="báo cáo.html", content_type="text/html")
    response = await client.post("/api/upload", data=form)
    assert response.status == 200
    chat = await (await client.get("/api/messages?persona=focal-bdbp")).json()
    document = chat["messages"][0]["document"]
    assert document["name"] == "báo cáo.html"
    served = await client.get(document["url"])
    assert served.status == 200
    assert served.headers["Content-Disposition"].startswith("attachment;")
    assert "filename*=UTF-8''b%C3%A1o%20c%C3%A1o.html" in served.headers["Content-Disposition"]
    assert served.headers["X-Content-Type-Options"] == "nosniff"
    assert served.headers["Content-Security-Policy"].startswith("sandbox")
    assert (await client.get("/api/file/nope")).status == 404


async def test_a_file_of_50_mb_is_refused_with_the_limit(client, sandbox):
    form = FormData()
    form.add_field("persona", "focal-bdbp")
    form.add_field("file", b"\0" * MAX_UPLOAD_BYTES, filename="big.bin")
    response = await client.post("/api/upload", data=form)
    assert response.status == 413
    assert (await response.json())["error"] == t("sandbox.err_upload_limit", limit=50)
    assert "50 MB" in t("sandbox.err_upload_limit", limit=50)
    assert not any("document" in m for m in sandbox.api.messages.values())


async def test_the_streamed_upload_limit_is_exact(sandbox):
    from aiohttp.test_utils import TestClient, TestServer

    async with TestClient(TestServer(make_web_app(sandbox, upload_limit=1000))) as small:
        for size, status in ((999, 200), (1000, 413)):
            form = FormData()
            form.add_field("persona", "stranger")
            # chunked: no Content-Length, so only the streaming check can catch it
            form.add_field("file", iter_bytes(size), filename="x.bin")
            response = await small.post("/api/upload", data=form)
            assert response.status == status, (size, await response.text())


def iter_bytes(size: int):
    import io

    return io.BytesIO(b"a" * size)


async def test_sharing_a_contact_sends_the_personas_own_number(client, sandbox):
    status, _ = await post(client, "/api/contact", persona="focal-cong-an")
    assert status == 200
    chat = await (await client.get("/api/messages?persona=focal-cong-an")).json()
    contact = chat["messages"][0]["contact"]
    assert contact["phone"] == sandbox.personas["focal-cong-an"].phone
    status, _ = await post(client, "/api/contact", persona="group")
    assert status == 400


async def test_clock_moves_forward_and_never_back(client, sandbox):
    start = sandbox.clock.now()
    status, body = await post(client, "/api/clock", action="hour")
    assert status == 200 and sandbox.clock.now() == start + timedelta(hours=1)
    assert body["clock"]["local"].endswith("09:00")
    status, body = await post(client, "/api/clock", action="day")
    assert sandbox.clock.now() == start + timedelta(days=1, hours=1)
    status, body = await post(client, "/api/clock", action="to", to="2023-11-02T08:59")
    assert status == 409
    assert body["error"] == t("sandbox.err_backwards", now="02/11/2023 09:00")
    assert sandbox.clock.now() == start + timedelta(days=1, hours=1)
    status, body = await post(client, "/api/clock", action="to", to="2023-11-20T14:30")
    assert status == 200 and body["clock"]["local"] == "2023-11-20T14:30"
    status, body = await post(client, "/api/clock", action="to", to="not a date")
    assert status == 400 and body["error"] == t("sandbox.err_bad_date")
    status, body = await post(client, "/api/clock", action="backwards")
    assert status == 400


async def test_next_reminder_follows_the_scheduler(client, sandbox):
    due = await sandbox.runtime.next_due()
    status, body = await post(client, "/api/clock", action="next")
    if due is None:
        assert status == 409 and body["error"] == t("sandbox.err_nothing_due")
    else:
        assert status == 200 and sandbox.clock.now() >= due


async def test_each_tab_gets_its_own_stream_of_the_same_chat(client, sandbox):
    first = await client.get("/api/stream?persona=focal-dai-ptth")
    second = await client.get("/api/stream?persona=focal-dai-ptth")
    assert first.headers["Content-Type"] == "text/event-stream"
    tabs = [EventReader(first), EventReader(second)]
    for tab in tabs:
        await tab.until("ready")
    await post(client, "/api/send", persona="focal-dai-ptth", text="/help")
    for tab in tabs:
        mine = await tab.until("message", lambda m: m["text"] == "/help")
        assert not mine["from_bot"]
        answer = await tab.until("message", lambda m: m["from_bot"])
        assert answer["text"]
    # a clock move reaches both tabs too
    await post(client, "/api/clock", action="hour")
    for tab in tabs:
        clock = await tab.until("clock", lambda c: c["local"].endswith("09:00"))
        assert clock["timezone"] == "Asia/Ho_Chi_Minh"
    first.close()
    second.close()


async def test_language_switch_reaches_the_bot(client, sandbox):
    status, _ = await post(client, "/api/lang", lang="en")
    assert status == 200
    assert all(
        sandbox.api.users[p.user_id].language_code == "en"
        for p in sandbox.personas.values()
        if p.user_id and p.channel == "telegram"
    )
    await post(client, "/api/send", persona="stranger", text="/help")
    reply = await bot_reply(sandbox, "stranger")
    assert reply.text.startswith("Help") or "help" in reply.text.lower()
    status, body = await post(client, "/api/lang", lang="fr")
    assert status == 400


async def test_inline_buttons_can_be_pressed(client, sandbox):
    persona = sandbox.personas["focal-bdbp"]
    assert persona.invite_code, "the focal point persona has no invite code"
    status, _ = await post(client, "/api/invite", persona="focal-bdbp")
    assert status == 200
    with_buttons = await sandbox.api.wait_for_message(
        persona.chat_id, timeout=10, predicate=lambda m: bool(m.buttons)
    )
    button = with_buttons.buttons[0]
    status, body = await post(
        client,
        "/api/press",
        persona="focal-bdbp",
        message_id=with_buttons.message_id,
        data=button["callback_data"],
    )
    assert status == 200 and body["ok"]
    status, _ = await post(client, "/api/press", persona="focal-bdbp", message_id=999, data="nope")
    assert status == 409


async def test_invite_without_a_code_is_refused(client, sandbox):
    sandbox.personas["focal-cong-an"].invite_code = None
    status, body = await post(client, "/api/invite", persona="focal-cong-an")
    assert status == 409 and body["error"] == t("sandbox.err_no_invite")


async def test_command_menu_is_the_bots(client, sandbox):
    menu = await (await client.get("/api/menu?persona=stranger")).json()
    assert [c["command"] for c in menu][:2] == ["start", "huongdan"]


async def test_run_sandbox_serves_the_page_until_stopped(kontum_plan):
    urls: list[str] = []
    ready, stop = asyncio.Event(), asyncio.Event()
    task = asyncio.create_task(
        run_sandbox(
            Settings(_env_file=None),
            kontum_plan,
            port=0,
            ready=ready,
            stop=stop,
            announce=urls.append,
        )
    )
    await asyncio.wait_for(ready.wait(), 20)
    assert urls and urls[0].startswith("http://127.0.0.1:")
    async with aiohttp.ClientSession() as session:
        async with session.get(urls[0]) as response:
            assert response.status == 200
        # an open stream must not keep the sandbox from stopping
        stream = await session.get(urls[0] + "api/stream?persona=head")
        await EventReader(stream).until("ready")
        stop.set()
        await asyncio.wait_for(task, 10)
        stream.close()


async def test_screenshots_without_a_browser_stop_with_the_reason(
    kontum_plan, tmp_path, monkeypatch
):
    from bot.errors import StartupError

    monkeypatch.setenv("CHROMIUM_PATH", str(tmp_path / "no-chromium"))
    with pytest.raises(StartupError) as raised:
        await run_sandbox(Settings(_env_file=None), kontum_plan, port=0, screenshot_dir=tmp_path)
    assert str(tmp_path / "no-chromium") in str(raised.value)
    assert list(tmp_path.glob("*.png")) == []


def test_the_outbox_names_every_status_and_kind_in_the_pages_language():
    import re
    from pathlib import Path

    from bot.domain.records import OutboxStatus
    from bot.sandbox.web import texts

    services = Path(__file__).resolve().parents[2] / "bot" / "services"
    source = "\n".join(path.read_text() for path in services.glob("*.py"))
    kinds = set(re.findall(r'kind="([a-z_.]+)"', source))
    kinds |= set(re.findall(r'self\._message\(\s*[^,]+,\s*"([a-z_.]+)"', source))
    assert {"deadline", "deadline.staff", "phase", "broadcast"} <= kinds
    page_app = (Path(__file__).resolve().parents[2] / "bot/sandbox/static/app.js").read_text()
    assert 'label("outbox_status_", status)' in page_app and 'label("outbox_kind_"' in page_app
    for lang in ("vi", "en"):
        words = texts(lang)
        for status in OutboxStatus:
            assert f"outbox_status_{status.value}" in words, (lang, status)
        for kind in kinds:
            assert f"outbox_kind_{kind.replace('.', '_')}" in words, (lang, kind)
    assert texts("vi")["outbox_status_sent"] == "đã gửi"
    assert texts("vi")["outbox_kind_deadline_staff"] != "deadline.staff"
