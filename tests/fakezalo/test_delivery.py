"""Events from users: getUpdates (one event or 408) and webhook delivery."""

from __future__ import annotations

import asyncio

import pytest

from bot.fakezalo import SECRET_HEADER, FakeZaloApi, tiny_png

from .conftest import SECRET, TOKEN, Receiver, call


async def poll(http, api: FakeZaloApi, timeout=1) -> tuple[int, dict]:
    return await call(http, api, "getUpdates", json={"timeout": timeout})


async def test_get_updates_returns_one_event_not_a_list(api: FakeZaloApi, http) -> None:
    user = api.add_user("Lan")
    first = api.send_text(user, "một")
    api.send_text(user, "hai")
    status, body = await poll(http, api)
    assert status == 200 and body["ok"] is True
    event = body["result"]
    assert isinstance(event, dict) and "update_id" not in event
    assert event == first and event["event_name"] == "message.text.received"
    message = event["message"]
    assert message["from"] == {"id": user.id, "display_name": "Lan", "is_bot": False}
    assert message["chat"] == {"id": user.id, "chat_type": "PRIVATE"}
    assert message["text"] == "một" and len(message["message_id"]) == 20
    assert message["date"] > 10**12
    assert (await poll(http, api))[1]["result"]["message"]["text"] == "hai"


@pytest.mark.parametrize("timeout", ["0", 0, 0.2, "0.2"])
async def test_empty_poll_is_http_408(api: FakeZaloApi, http, timeout) -> None:
    status, body = await poll(http, api, timeout)
    assert (status, body) == (
        408,
        {"ok": False, "error_code": 408, "description": "Request timeout"},
    )


async def test_bad_poll_timeout_is_400(api: FakeZaloApi, http) -> None:
    assert (await poll(http, api, "soon"))[0] == 400


async def test_a_long_poll_wakes_on_an_event(api: FakeZaloApi, http) -> None:
    user = api.add_user("Lan")
    waiting = asyncio.create_task(poll(http, api, timeout=10))
    await api.wait_for_poll()
    api.send_text(user, "dậy đi")
    status, body = await asyncio.wait_for(waiting, 2)
    assert status == 200 and body["result"]["message"]["text"] == "dậy đi"


async def test_get_updates_while_a_webhook_is_set_is_an_error(api: FakeZaloApi, http) -> None:
    values = {"url": "https://bot.example.vn/hook", "secret_token": SECRET}
    await call(http, api, "setWebhook", json=values)
    status, body = await poll(http, api)
    assert status == 400 and "webhook" in body["description"]


async def test_name_fields_and_ids(api: FakeZaloApi, http) -> None:
    for name_field in ("display_name", "first_name", "name"):
        user = api.add_user("Minh", name_field=name_field)
        event = api.send_text(user, "hi")
        assert event["message"]["from"][name_field] == "Minh"
        assert len(user.id) == 20 and int(user.id, 16) >= 0
    fixed = api.add_user("Hoa", id="6ede9afa66b88fe6d6a9")
    assert fixed.id == "6ede9afa66b88fe6d6a9"
    with pytest.raises(ValueError):
        api.add_user("Hoa again", id="6ede9afa66b88fe6d6a9")


async def test_groups_deliver_only_mentions(api: FakeZaloApi, http) -> None:
    lan, minh = api.add_user("Lan"), api.add_user("Minh")
    group = api.add_group("Tổ công tác", members=[lan, minh])
    assert api.send_text(lan, "chuyện riêng", chat=group) is None
    event = api.send_text(minh, "báo cáo", chat=group, mention=True)
    assert event is not None and len(api.pending) == 1
    message = (await poll(http, api))[1]["result"]["message"]
    assert message["chat"] == {"id": group.id, "chat_type": "GROUP"}
    assert message["from"]["id"] == minh.id and message["text"] == "@Bot Daumoi báo cáo"
    outsider = api.add_user("Khách")
    with pytest.raises(ValueError):
        api.send_text(outsider, "hi", chat=group, mention=True)
    status, _ = await call(http, api, "sendMessage", json={"chat_id": group.id, "text": "ok"})
    assert status == 200 and api.messages_to(group)[0].text == "ok"


@pytest.mark.parametrize("field", ["photo_url", "photo"])
async def test_photo_is_hosted_and_downloadable(api: FakeZaloApi, http, field) -> None:
    user = api.add_user("Lan")
    image = tiny_png()
    event = api.send_photo(user, image, caption="ảnh hiện trường", field=field)
    assert event["event_name"] == "message.image.received"
    message = (await poll(http, api))[1]["result"]["message"]
    other = "photo" if field == "photo_url" else "photo_url"
    assert other not in message and message["caption"] == "ảnh hiện trường"
    url = message[field]
    assert url.startswith(f"{api.url}/media/") and url.endswith(".png")
    async with http.get(url) as response:
        assert response.status == 200 and response.content_type == "image/png"
        assert await response.read() == image
    async with http.get(f"{api.url}/media/nothing.jpg") as response:
        assert response.status == 404


async def test_sticker_and_unsupported_events(api: FakeZaloApi, http) -> None:
    user = api.add_user("Lan")
    api.send_sticker(user, "abc123")
    api.send_unsupported(user)
    sticker = (await poll(http, api))[1]["result"]
    assert sticker["event_name"] == "message.sticker.received"
    assert sticker["message"]["sticker"] == "abc123" and "url" in sticker["message"]
    unsupported = (await poll(http, api))[1]["result"]
    assert unsupported["event_name"] == "message.unsupported.received"
    message = unsupported["message"]
    assert set(message) == {"from", "chat", "message_id", "date"}  # no content


async def test_resend_last_repeats_the_same_event(api: FakeZaloApi, http) -> None:
    user = api.add_user("Lan")
    api.send_text(user, "một lần thôi")
    api.resend_last()
    first = (await poll(http, api))[1]["result"]
    second = (await poll(http, api))[1]["result"]
    assert first == second and first["message"]["message_id"] == second["message"]["message_id"]


async def set_hook(http, api: FakeZaloApi, url: str) -> None:
    status, _ = await call(http, api, "setWebhook", json={"url": url, "secret_token": SECRET})
    assert status == 200


async def test_webhook_delivery_wrapped(api: FakeZaloApi, http, receiver: Receiver) -> None:
    await set_hook(http, api, receiver.url)
    user = api.add_user("Lan")
    event = api.send_text(user, "qua webhook")
    delivery = await api.wait_for_delivery()
    assert delivery.status == 200 and delivery.body_shape == "wrapped"
    assert delivery.message_id == event["message"]["message_id"]
    assert receiver.bodies == [{"ok": True, "result": event}]
    assert receiver.headers[0][SECRET_HEADER] == SECRET
    assert receiver.headers[0]["Content-Type"].startswith("application/json")
    assert api.pending == []
    api.send_text(user, "phẳng", webhook_body="unwrapped")  # per-send override
    await api.wait_for_delivery()
    assert receiver.bodies[-1]["event_name"] == "message.text.received"
    assert "ok" not in receiver.bodies[-1]


async def test_webhook_delivery_unwrapped_by_default_option(http, receiver: Receiver) -> None:
    async with FakeZaloApi(token=TOKEN, webhook_body="unwrapped") as api:
        await set_hook(http, api, receiver.url)
        event = api.send_text(api.add_user("Lan"), "hi")
        assert (await api.wait_for_delivery()).status == 200
        assert receiver.bodies == [event]


async def test_wrong_secret_is_recorded(api: FakeZaloApi, http, receiver: Receiver) -> None:
    await set_hook(http, api, receiver.url)
    api.send_text(api.add_user("Lan"), "giả mạo", wrong_secret=True)
    delivery = await api.wait_for_delivery()
    assert delivery.status == 403 and delivery.wrong_secret and delivery.secret_sent != SECRET
    assert receiver.bodies == []


async def test_webhook_deliveries_keep_order_and_dedupe_copy(
    api: FakeZaloApi, http, receiver: Receiver
) -> None:
    await set_hook(http, api, receiver.url)
    user = api.add_user("Lan")
    for text in ("1", "2", "3"):
        api.send_text(user, text)
    api.resend_last()
    for _ in range(4):
        await api.wait_for_delivery()
    texts = [b["result"]["message"]["text"] for b in receiver.bodies]
    assert texts == ["1", "2", "3", "3"]
    assert receiver.bodies[-1] == receiver.bodies[-2]


async def test_unreachable_webhook_is_recorded(api: FakeZaloApi, http) -> None:
    await set_hook(http, api, "http://127.0.0.1:9/hook")
    api.send_text(api.add_user("Lan"), "hi")
    delivery = await api.wait_for_delivery()
    assert delivery.status is None and delivery.error
