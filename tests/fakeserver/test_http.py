"""The wire level: request encodings, getUpdates semantics, the HTTP control API."""

from __future__ import annotations

import asyncio
import base64
import json
from collections.abc import AsyncIterator
from typing import Any

import aiohttp
import pytest

from bot.fakeserver import FakeBotApi

from .conftest import TOKEN


@pytest.fixture
async def http() -> AsyncIterator[aiohttp.ClientSession]:
    async with aiohttp.ClientSession() as session:
        yield session


async def call(
    http: aiohttp.ClientSession, api: FakeBotApi, method: str, **kwargs: Any
) -> tuple[int, dict[str, Any]]:
    async with http.post(f"{api.base_url}{TOKEN}/{method}", **kwargs) as response:
        return response.status, await response.json()


async def test_unknown_method_is_404_like_telegram(api: FakeBotApi, http) -> None:
    assert await call(http, api, "sendTelepathy") == (
        404,
        {"ok": False, "error_code": 404, "description": "Not Found: method not found"},
    )
    status, body = await call(http, api, "sendPoll")  # real, but not implemented here
    assert status == 404 and "not implemented" in body["description"]


async def test_methods_are_case_insensitive(api: FakeBotApi, http) -> None:
    status, body = await call(http, api, "GETME")
    assert status == 200 and body["result"]["is_bot"] is True


@pytest.mark.parametrize("encoding", ["form", "json", "query", "multipart"])
async def test_every_request_encoding(api: FakeBotApi, http, encoding: str) -> None:
    user = api.add_user()
    markup = {"inline_keyboard": [[{"text": "A", "callback_data": "a"}]]}
    values = {
        "chat_id": user.id,
        "text": "hi",
        "reply_markup": markup,
        "disable_notification": True,
    }
    as_strings = {k: v if isinstance(v, str) else json.dumps(v) for k, v in values.items()}
    kwargs: dict[str, Any] = {
        "form": {"data": as_strings},
        "json": {"json": values},
        "query": {"params": as_strings},
        "multipart": {"data": _multipart(as_strings)},
    }[encoding]
    status, body = await call(http, api, "sendMessage", **kwargs)
    assert status == 200, body
    assert body["result"]["reply_markup"] == markup
    assert api.calls[-1].params["chat_id"] == user.id
    assert api.calls[-1].params["disable_notification"] is True


def _multipart(values: dict[str, str]) -> aiohttp.FormData:
    form = aiohttp.FormData()
    for key, value in values.items():
        form.add_field(key, value)
    return form


async def test_type_errors_and_missing_fields(api: FakeBotApi, http) -> None:
    user = api.add_user()
    status, body = await call(http, api, "sendMessage", data={"text": "hi"})
    assert (status, body["description"]) == (400, "Bad Request: chat_id is empty")
    status, body = await call(
        http, api, "deleteMessage", data={"chat_id": user.id, "message_id": "x"}
    )
    assert status == 400 and "message_id" in body["description"]
    status, body = await call(
        http, api, "sendMessage", data={"chat_id": user.id, "text": "a", "reply_markup": "{"}
    )
    assert (status, body["description"]) == (
        400,
        "Bad Request: can't parse reply_markup JSON object",
    )
    status, body = await call(
        http, api, "sendMessage", json={"chat_id": user.id, "text": "a", "reply_markup": {"x": 1}}
    )
    assert status == 400 and body["description"].startswith(
        "Bad Request: can't parse reply_markup"
    )
    status, body = await call(http, api, "sendMessage", json={"chat_id": user.id, "text": 5})
    assert status == 200 and body["result"]["text"] == "5"  # numbers are fine as strings
    status, body = await call(
        http, api, "sendMessage", json={"chat_id": user.id, "text": "a", "unknown_field": 1}
    )
    assert status == 200 and api.calls[-1].unknown_params == ["unknown_field"]


async def test_get_updates_offsets_limit_and_allowed_updates(api: FakeBotApi, http) -> None:
    user = api.add_user()
    ids = [api.send_text(user, str(i))["update_id"] for i in range(3)]
    _, body = await call(http, api, "getUpdates", data={"limit": "2"})
    assert [u["update_id"] for u in body["result"]] == ids[:2]
    _, body = await call(http, api, "getUpdates")  # nothing confirmed yet
    assert [u["update_id"] for u in body["result"]] == ids
    _, body = await call(http, api, "getUpdates", data={"offset": str(ids[1] + 1)})
    assert [u["update_id"] for u in body["result"]] == ids[2:]
    assert [u["update_id"] for u in api.pending] == ids[2:]
    _, body = await call(
        http, api, "getUpdates", data={"offset": str(ids[2] + 1), "allowed_updates": '["message"]'}
    )
    assert body["result"] == []
    api.block_bot(user)  # a my_chat_member update, not allowed any more
    api.send_text(user, "still allowed")
    _, body = await call(http, api, "getUpdates")
    assert [next(k for k in u if k != "update_id") for u in body["result"]] == ["message"]


async def test_negative_offset_keeps_the_last_updates(api: FakeBotApi, http) -> None:
    user = api.add_user()
    ids = [api.send_text(user, str(i))["update_id"] for i in range(4)]
    _, body = await call(http, api, "getUpdates", data={"offset": "-1"})
    assert [u["update_id"] for u in body["result"]] == ids[-1:]


async def test_long_poll_returns_when_an_update_is_queued(api: FakeBotApi, http) -> None:
    user = api.add_user()
    poll = asyncio.create_task(call(http, api, "getUpdates", data={"timeout": "30"}))
    await api.wait_for_poll()
    update = api.send_text(user, "wake up")
    status, body = await asyncio.wait_for(poll, timeout=2)
    assert status == 200 and body["result"] == [update]


async def test_second_poll_ends_the_first_with_409(api: FakeBotApi, http) -> None:
    first = asyncio.create_task(call(http, api, "getUpdates", data={"timeout": "30"}))
    await api.wait_for_poll()
    second = asyncio.create_task(call(http, api, "getUpdates", data={"timeout": "0"}))
    status, body = await asyncio.wait_for(first, timeout=2)
    assert status == 409 and body["description"].startswith("Conflict: terminated by other")
    assert (await second)[0] == 200


async def test_stop_ends_pending_polls() -> None:
    async with aiohttp.ClientSession() as http, FakeBotApi() as api:
        poll = asyncio.create_task(call(http, api, "getUpdates", data={"timeout": "30"}))
        await api.wait_for_poll()
        await api.stop()
        assert await asyncio.wait_for(poll, timeout=2) == (200, {"ok": True, "result": []})


async def test_webhook_blocks_get_updates(api: FakeBotApi, http) -> None:
    await call(http, api, "setWebhook", data={"url": "https://example.invalid/hook"})
    status, body = await call(http, api, "getUpdates")
    assert status == 409 and "webhook is active" in body["description"]
    await call(http, api, "deleteWebhook", data={"drop_pending_updates": "true"})
    assert (await call(http, api, "getUpdates"))[0] == 200


async def test_file_download_checks_token_and_path(api: FakeBotApi, http) -> None:
    user = api.add_user()
    photo = api.send_photo(user, b"GIF89a\x10\x00\x08\x00rest")["message"]["photo"]
    assert (photo[-1]["width"], photo[-1]["height"]) == (16, 8)
    _, body = await call(http, api, "getFile", data={"file_id": photo[-1]["file_id"]})
    path = body["result"]["file_path"]
    async with http.get(f"{api.base_file_url}{TOKEN}/{path}") as response:
        assert await response.read() == b"GIF89a\x10\x00\x08\x00rest"
    async with http.get(f"{api.base_file_url}wrong/{path}") as response:
        assert response.status == 401
    async with http.get(f"{api.base_file_url}{TOKEN}/photos/none.jpg") as response:
        assert response.status == 404


async def test_control_api(api: FakeBotApi, http) -> None:
    async def control(action: str, **kwargs: Any) -> Any:
        async with http.post(f"{api.url}/control/{action}", json=kwargs) as response:
            body = await response.json()
            assert body["ok"], body
            return body["result"]

    user = await control("add_user", first_name="Hoa", username="hoa")
    update = await control("send_text", user=user["id"], text="/start")
    assert update["message"]["entities"][0]["type"] == "bot_command"
    photo = await control("send_photo", user=user["id"], data=base64.b64encode(b"img").decode())
    assert photo["message"]["photo"]
    await call(http, api, "sendMessage", data={"chat_id": str(user["id"]), "text": "chào"})
    async with http.get(f"{api.url}/control/sent", params={"chat_id": str(user["id"])}) as resp:
        sent = (await resp.json())["result"]
    assert [m["text"] for m in sent] == ["chào"]
    async with http.get(f"{api.url}/control/state") as resp:
        state = (await resp.json())["result"]
    assert state["pending_updates"] == 2
    async with http.post(f"{api.url}/control/nope", json={}) as resp:
        assert resp.status == 404
    async with http.post(f"{api.url}/control/send_text", json={"user": 1, "text": "x"}) as resp:
        assert resp.status == 400
