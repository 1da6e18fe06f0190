"""The Bot API methods: envelopes, authorisation and every validation rule."""

from __future__ import annotations

import json

import pytest

from bot.fakezalo import FakeZaloApi

from .conftest import SECRET, TOKEN, call


def error(code: int, description: str) -> dict:
    return {"ok": False, "error_code": code, "description": description}


async def test_get_me(api: FakeZaloApi, http) -> None:
    status, body = await call(http, api, "getMe")
    assert status == 200 and body["ok"] is True
    me = body["result"]
    assert me["id"] == "1234567890" and me["account_name"].startswith("bot.")
    assert me["account_type"] == "BASIC" and me["can_join_groups"] is True
    assert me["display_name"] == "Bot Daumoi"


async def test_wrong_token_is_401_in_an_http_200_body(api: FakeZaloApi, http) -> None:
    status, body = await call(http, api, "getMe", token="1234567890:wrong")
    assert (status, body) == (200, error(401, "Unauthorized"))
    assert api.calls[-1].status == 200 and not api.calls[-1].ok


async def test_unknown_method_is_400(api: FakeZaloApi, http) -> None:
    status, body = await call(http, api, "sendTelepathy")
    assert status == 400 and body["error_code"] == 400 and body["ok"] is False
    status, _ = await call(http, api, "getme")  # method names are case-sensitive
    assert status == 400
    status, _ = await call(http, api, "editMessageText")  # does not exist on Zalo
    assert status == 400


async def test_get_is_accepted_too(api: FakeZaloApi, http) -> None:
    async with http.get(api.method_url("getMe")) as response:
        assert response.status == 200 and (await response.json())["ok"] is True


@pytest.mark.parametrize("encoding", ["json", "form", "query"])
async def test_send_message_in_every_encoding(api: FakeZaloApi, http, encoding: str) -> None:
    user = api.add_user("Lan")
    values = {"chat_id": user.id, "text": "xin chào"}
    kwargs = {"json": {"json": values}, "form": {"data": values}, "query": {"params": values}}
    status, body = await call(http, api, "sendMessage", **kwargs[encoding])
    assert status == 200 and body["ok"] is True
    result = body["result"]
    assert set(result) == {"message_id", "date"}
    assert isinstance(result["message_id"], str) and int(result["message_id"], 16) >= 0
    assert isinstance(result["date"], int) and result["date"] > 10**12  # milliseconds
    sent = api.messages_to(user.id)
    assert [(m.method, m.text) for m in sent] == [("sendMessage", "xin chào")]
    assert sent[0].message_id == result["message_id"]


async def test_send_message_rules(api: FakeZaloApi, http) -> None:
    user = api.add_user("Lan")

    async def send(**values) -> tuple[int, dict]:
        return await call(http, api, "sendMessage", json=values)

    status, body = await send(text="hi")
    assert status == 400 and "chat_id" in body["description"]
    status, body = await send(chat_id=int("123"), text="hi")  # a number is not a string id
    assert status == 400 and "chat_id" in body["description"]
    status, body = await send(chat_id=user.id)
    assert status == 400 and "text" in body["description"]
    assert (await send(chat_id=user.id, text=""))[0] == 400
    assert (await send(chat_id=user.id, text="x" * 2001))[0] == 400
    assert (await send(chat_id=user.id, text="ệ" * 2000))[0] == 200  # code points count
    assert (await send(chat_id=user.id, text="😀" * 2000))[0] == 200
    assert (await send(chat_id=user.id, text=5))[0] == 400
    markup = {"inline_keyboard": [[{"text": "A"}]]}
    status, body = await send(chat_id=user.id, text="hi", reply_markup=markup)
    assert status == 400 and "reply_markup" in body["description"]
    assert (await send(chat_id=user.id, text="hi", keyboard=[["A"]]))[0] == 400
    assert (await send(chat_id=user.id, text="hi", parse_mode="MarkdownV2"))[0] == 400
    assert (await send(chat_id=user.id, text="*hi*", parse_mode="markdown"))[0] == 200
    assert [len(m.text or "") for m in api.messages_to(user.id)] == [2000, 2000, 4]


async def test_unknown_chat_is_404(api: FakeZaloApi, http) -> None:
    status, body = await call(http, api, "sendMessage", json={"chat_id": "0" * 20, "text": "hi"})
    assert status == 404 and body["error_code"] == 404 and api.sent == []


async def test_malformed_json_is_400(api: FakeZaloApi, http) -> None:
    headers = {"Content-Type": "application/json"}
    status, body = await call(http, api, "sendMessage", data=b"{nope", headers=headers)
    assert status == 400 and body["ok"] is False
    status, _ = await call(http, api, "sendMessage", data=b"[1]", headers=headers)
    assert status == 400


async def test_send_photo_rules(api: FakeZaloApi, http) -> None:
    user = api.add_user("Lan")

    async def send(**values) -> tuple[int, dict]:
        return await call(http, api, "sendPhoto", json=values)

    url = "https://example.com/a.jpg"
    status, body = await send(chat_id=user.id, photo=url, caption="ảnh")
    assert status == 200 and set(body["result"]) == {"message_id", "date"}
    assert (await send(chat_id=user.id, photo=url))[0] == 200
    assert (await send(chat_id=user.id))[0] == 400
    assert (await send(chat_id=user.id, photo="/relative/a.jpg"))[0] == 400
    assert (await send(chat_id=user.id, photo="ftp://example.com/a.jpg"))[0] == 400
    assert (await send(chat_id=user.id, photo=url, caption="x" * 2001))[0] == 400
    assert (await send(chat_id=user.id, photo=url, reply_markup={}))[0] == 400
    assert (await send(chat_id=12, photo=url))[0] == 400
    sent = api.messages_to(user.id)
    assert [(m.method, m.photo, m.caption) for m in sent] == [
        ("sendPhoto", url, "ảnh"),
        ("sendPhoto", url, None),
    ]


async def test_send_photo_refuses_a_file_upload(api: FakeZaloApi, http) -> None:
    import aiohttp

    user = api.add_user("Lan")
    form = aiohttp.FormData()
    form.add_field("chat_id", user.id)
    form.add_field("photo", b"\xff\xd8jpeg", filename="a.jpg", content_type="image/jpeg")
    status, body = await call(http, api, "sendPhoto", data=form)
    assert status == 400 and "upload" in body["description"] and api.sent == []


async def test_send_chat_action(api: FakeZaloApi, http) -> None:
    user = api.add_user("Lan")
    status, body = await call(
        http, api, "sendChatAction", json={"chat_id": user.id, "action": "typing"}
    )
    assert (status, body) == (200, {"ok": True})
    status, _ = await call(
        http, api, "sendChatAction", json={"chat_id": user.id, "action": "upload_photo"}
    )
    assert status == 200
    status, _ = await call(
        http, api, "sendChatAction", json={"chat_id": user.id, "action": "dancing"}
    )
    assert status == 400
    assert api.chat_actions == [(user.id, "typing"), (user.id, "upload_photo")]


async def test_webhook_methods(api: FakeZaloApi, http) -> None:
    status, body = await call(http, api, "getWebhookInfo")
    assert (status, body) == (404, error(404, "Not Found"))
    status, body = await call(http, api, "deleteWebhook")
    assert status == 400 and "not set" in body["description"]
    hook = "https://bot.example.vn/zalo/webhook"
    status, body = await call(http, api, "setWebhook", json={"url": hook, "secret_token": SECRET})
    assert status == 200 and body["result"]["url"] == hook
    assert body["result"]["updated_at"] > 10**12
    status, body = await call(http, api, "getWebhookInfo")
    assert status == 200 and body["result"]["url"] == hook and "secret_token" not in body["result"]
    status, body = await call(http, api, "deleteWebhook")
    assert status == 200 and body["result"]["url"] == ""
    assert api.webhook is None


@pytest.mark.parametrize(
    ("url", "secret"),
    [
        ("http://bot.example.vn/hook", SECRET),  # plain http off loopback
        ("https://bot.example.vn/hook", "short"),  # under 8 characters
        ("https://bot.example.vn/hook", "x" * 257),
        ("https://bot.example.vn/hook", None),  # the secret is required
        (None, SECRET),
        ("bot.example.vn/hook", SECRET),
    ],
)
async def test_set_webhook_rules(api: FakeZaloApi, http, url, secret) -> None:
    values = {k: v for k, v in {"url": url, "secret_token": secret}.items() if v is not None}
    status, body = await call(http, api, "setWebhook", json=values)
    assert status == 400 and body["error_code"] == 400 and api.webhook is None


async def test_http_webhook_on_loopback_is_a_test_option(http) -> None:
    values = {"url": "http://127.0.0.1:9/hook", "secret_token": SECRET}
    async with FakeZaloApi(allow_http_webhook=False) as strict:
        assert (await call(http, strict, "setWebhook", json=values))[0] == 400
    async with FakeZaloApi() as lenient:
        assert (await call(http, lenient, "setWebhook", json=values))[0] == 200


async def test_quota_exceeded_is_429_in_an_http_200_body(http) -> None:
    async with FakeZaloApi(token=TOKEN, monthly_quota=2) as api:
        user = api.add_user("Lan")
        values = {"chat_id": user.id, "text": "hi"}
        photo = {"chat_id": user.id, "photo": "https://example.com/a.jpg"}
        assert (await call(http, api, "sendMessage", json=values))[0] == 200
        assert (await call(http, api, "sendPhoto", json=photo))[0] == 200
        status, body = await call(http, api, "sendMessage", json=values)
        assert (status, body) == (200, error(429, "Quota exceeded"))
        assert (await call(http, api, "sendPhoto", json=photo))[1]["error_code"] == 429
        assert len(api.sent) == 2 and api.quota_used == 2


async def test_fail_next(api: FakeZaloApi, http) -> None:
    api.fail_next("getMe", 500, "Internal server error", http_status=502)
    status, body = await call(http, api, "getMe")
    assert (status, body) == (502, error(500, "Internal server error"))
    assert (await call(http, api, "getMe"))[0] == 200  # only the next call
    api.fail_next(None, 429, "Quota exceeded", times=2)
    assert (await call(http, api, "getMe"))[1]["error_code"] == 429
    assert (await call(http, api, "getWebhookInfo"))[1]["error_code"] == 429
    assert (await call(http, api, "getMe"))[0] == 200


async def test_calls_are_recorded(api: FakeZaloApi, http) -> None:
    user = api.add_user("Lan")
    await call(http, api, "sendMessage", json={"chat_id": user.id, "text": "hi"})
    await call(http, api, "sendMessage", json={"chat_id": user.id})
    first, second = api.calls_to("sendMessage")
    assert first.params == {"chat_id": user.id, "text": "hi"} and first.status == 200
    assert first.response["ok"] is True
    assert second.status == 400 and second.response["ok"] is False
    json.dumps([c.to_dict() for c in api.calls])  # JSON-able
