"""The Python and HTTP control APIs: playing users and reading what the bot sent."""

from __future__ import annotations

import asyncio
import base64

import pytest

from bot.fakezalo import FakeZaloApi, tiny_png

from .conftest import call


async def test_wait_for_message_returns_each_message_once(api: FakeZaloApi, http) -> None:
    lan, minh = api.add_user("Lan"), api.add_user("Minh")
    waiting = asyncio.create_task(api.wait_for_message(lan.id, timeout=2))
    await asyncio.sleep(0)
    await call(http, api, "sendMessage", json={"chat_id": minh.id, "text": "cho Minh"})
    await call(http, api, "sendMessage", json={"chat_id": lan.id, "text": "một"})
    await call(http, api, "sendMessage", json={"chat_id": lan.id, "text": "hai"})
    assert (await waiting).text == "một"
    assert (await api.wait_for_message(lan)).text == "hai"
    assert (await api.wait_for_message(minh.id)).text == "cho Minh"
    with pytest.raises(TimeoutError):
        await api.wait_for_message(lan.id, timeout=0.05)
    assert [m.text for m in api.messages_to(lan.id)] == ["một", "hai"]
    assert api.last_message().text == "hai"


async def control(http, api: FakeZaloApi, action: str, **kwargs) -> tuple[int, dict]:
    async with http.post(f"{api.url}/control/{action}", json=kwargs) as response:
        return response.status, await response.json()


async def get(http, api: FakeZaloApi, path: str) -> dict:
    async with http.get(f"{api.url}/control/{path}") as response:
        assert response.status == 200
        return (await response.json())["result"]


async def test_http_control_api(api: FakeZaloApi, http) -> None:
    status, body = await control(http, api, "add_user", display_name="Lan")
    assert status == 200
    user_id = body["result"]["id"]
    status, body = await control(http, api, "send_text", user=user_id, text="xin chào")
    assert status == 200 and body["result"]["message"]["text"] == "xin chào"
    image = base64.b64encode(tiny_png()).decode()
    status, body = await control(http, api, "send_photo", user=user_id, image_base64=image)
    assert status == 200 and body["result"]["message"]["photo_url"].endswith(".png")
    state = await get(http, api, "state")
    assert state["pending_events"] == 2 and state["users"][0]["display_name"] == "Lan"
    assert state["bot"]["display_name"] == "Bot Daumoi" and state["webhook"] is None
    await call(http, api, "sendMessage", json={"chat_id": user_id, "text": "chào Lan"})
    sent = await get(http, api, f"sent?chat_id={user_id}")
    assert [m["text"] for m in sent] == ["chào Lan"]
    calls = await get(http, api, "calls?method=sendMessage")
    assert calls[0]["status"] == 200
    assert (await control(http, api, "send_text", user="nobody", text="x"))[0] == 400
    assert (await control(http, api, "stop"))[0] == 404
    assert await get(http, api, "deliveries") == []


async def test_control_fail_next(api: FakeZaloApi, http) -> None:
    status, _ = await control(
        http, api, "fail_next", method="getMe", error_code=401, description="Unauthorized"
    )
    assert status == 200
    assert (await call(http, api, "getMe"))[1]["error_code"] == 401
