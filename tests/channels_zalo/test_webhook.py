"""The webhook route: secret, content type, size and JSON checks; both acknowledgement modes."""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator

import aiohttp
import pytest
from aiohttp import web

from bot.channels.zalo import (
    SECRET_HEADER,
    ZaloApi,
    ZaloEvent,
    ZaloWebhook,
    add_webhook_route,
    webhook_route,
)
from bot.fakezalo import FakeZaloApi

from .conftest import SECRET, TOKEN


class Bot:
    """An aiohttp app serving the webhook route, recording the events it got."""

    def __init__(self, ack_after: bool = True, max_body: int = 1024 * 1024) -> None:
        self.events: list[ZaloEvent] = []
        self.release = asyncio.Event()
        self.release.set()
        self.app = web.Application()
        self.webhook = add_webhook_route(
            self.app, SECRET, self.on_event, ack_after=ack_after, max_body=max_body
        )
        self.runner = web.AppRunner(self.app, access_log=None)
        self.url = ""

    async def on_event(self, event: ZaloEvent) -> None:
        await self.release.wait()
        self.events.append(event)

    async def __aenter__(self) -> Bot:
        await self.runner.setup()
        await web.TCPSite(self.runner, "127.0.0.1", 0).start()
        self.url = f"http://127.0.0.1:{self.runner.addresses[0][1]}/zalo/webhook"
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.runner.cleanup()


@pytest.fixture
async def bot() -> AsyncIterator[Bot]:
    async with Bot() as server:
        yield server


@pytest.fixture
async def http() -> AsyncIterator[aiohttp.ClientSession]:
    async with aiohttp.ClientSession() as session:
        yield session


def sample(text: str = "hi", message_id: str = "m1") -> dict:
    return {
        "event_name": "message.text.received",
        "message": {
            "from": {"id": "u1", "display_name": "Lan", "is_bot": False},
            "chat": {"id": "u1", "chat_type": "PRIVATE"},
            "text": text,
            "message_id": message_id,
            "date": 1750316131602,
        },
    }


async def post(http, url: str, secret: str | None = SECRET, **kwargs) -> int:
    headers = kwargs.pop("headers", {})
    if secret is not None:
        headers[SECRET_HEADER] = secret
    async with http.post(url, headers=headers, **kwargs) as response:
        return response.status


async def test_wrapped_and_unwrapped_are_accepted(bot: Bot, http) -> None:
    assert await post(http, bot.url, json={"ok": True, "result": sample("một", "m1")}) == 200
    assert await post(http, bot.url, json=sample("hai", "m2")) == 200
    assert [e.text for e in bot.events] == ["một", "hai"]  # ack_after: handled before the 200


@pytest.mark.parametrize("secret", [None, "", "wrong-secret-value", SECRET + "x", SECRET[:-1]])
async def test_a_wrong_secret_is_403_and_nothing_is_handled(bot: Bot, http, secret) -> None:
    assert await post(http, bot.url, secret, json=sample()) == 403
    assert bot.events == []


async def test_not_json_is_415(bot: Bot, http) -> None:
    data = json.dumps(sample())
    assert await post(http, bot.url, data=data, headers={"Content-Type": "text/plain"}) == 415
    assert await post(http, bot.url, data={"a": "b"}) == 415  # form-encoded
    assert bot.events == []


async def test_a_body_over_1_mb_is_413(bot: Bot, http) -> None:
    big = json.dumps({"padding": "x" * (1024 * 1024)})
    assert await post(http, bot.url, data=big, headers={"Content-Type": "application/json"}) == 413

    async def chunks():  # no Content-Length: the cap holds while reading
        for _ in range(20):
            yield b" " * (64 * 1024)

    headers = {"Content-Type": "application/json"}
    assert await post(http, bot.url, data=chunks(), headers=headers) == 413
    assert bot.events == []


async def test_malformed_json_is_400(bot: Bot, http) -> None:
    headers = {"Content-Type": "application/json"}
    assert await post(http, bot.url, data=b"{nope", headers=headers) == 400
    assert await post(http, bot.url, data=b"\xff\xfe", headers=headers) == 400


async def test_json_without_events_is_200(bot: Bot, http) -> None:
    assert await post(http, bot.url, json={"hello": "world"}) == 200
    assert bot.events == []


async def test_ack_after_waits_for_on_event(bot: Bot, http) -> None:
    bot.release.clear()
    answer = asyncio.create_task(post(http, bot.url, json=sample()))
    await asyncio.sleep(0.1)
    assert not answer.done()  # not acknowledged while on_event is still running
    bot.release.set()
    assert await answer == 200 and len(bot.events) == 1


async def test_ack_after_answers_500_when_on_event_fails(http) -> None:
    async def broken(event: ZaloEvent) -> None:
        raise RuntimeError("inbox down")

    app = web.Application()
    path, handler = webhook_route(SECRET, broken)
    app.router.add_post(path, handler)
    runner = web.AppRunner(app, access_log=None)
    await runner.setup()
    await web.TCPSite(runner, "127.0.0.1", 0).start()
    try:
        url = f"http://127.0.0.1:{runner.addresses[0][1]}{path}"
        assert await post(http, url, json=sample()) == 500
    finally:
        await runner.cleanup()


async def test_fire_and_forget_answers_at_once_and_drains(http) -> None:
    async with Bot(ack_after=False) as bot:
        bot.release.clear()
        assert await post(http, bot.url, json=sample("một", "m1")) == 200
        assert await post(http, bot.url, json=sample("hai", "m2")) == 200
        assert bot.events == [] and len(bot.webhook.tasks) == 2
        bot.release.set()
        await bot.webhook.drain()
        assert [e.text for e in bot.events] == ["một", "hai"] and not bot.webhook.tasks


async def test_fire_and_forget_logs_errors(http, caplog) -> None:
    async def broken(event: ZaloEvent) -> None:
        raise RuntimeError("boom")

    webhook = ZaloWebhook(SECRET, broken, ack_after=False)
    app = web.Application()
    app.router.add_post(*webhook.route())
    runner = web.AppRunner(app, access_log=None)
    await runner.setup()
    await web.TCPSite(runner, "127.0.0.1", 0).start()
    try:
        url = f"http://127.0.0.1:{runner.addresses[0][1]}/zalo/webhook"
        assert await post(http, url, json=sample()) == 200
        await webhook.drain()
    finally:
        await runner.cleanup()
    assert "boom" in caplog.text


def test_the_secret_length_is_checked() -> None:
    async def ignore(event: ZaloEvent) -> None:
        return None

    with pytest.raises(ValueError):
        ZaloWebhook("short", ignore)
    with pytest.raises(ValueError):
        ZaloWebhook("x" * 257, ignore)


@pytest.mark.parametrize("shape", ["wrapped", "unwrapped"])
async def test_end_to_end_with_the_fake_server(bot: Bot, shape: str) -> None:
    async with FakeZaloApi(token=TOKEN, webhook_body=shape) as fake:
        async with ZaloApi(TOKEN, base_url=fake.url) as api:
            await api.set_webhook(bot.url, SECRET)
        lan = fake.add_user("Lan")
        fake.send_text(lan, "qua webhook")
        fake.send_photo(lan, caption="ảnh")
        fake.send_text(lan, "giả mạo", wrong_secret=True)
        fake.resend_last()  # the forged one again, now with the right secret
        statuses = [(await fake.wait_for_delivery()).status for _ in range(4)]
    assert statuses == [200, 200, 403, 200]
    assert [e.text for e in bot.events] == ["qua webhook", None, "giả mạo"]
    assert bot.events[1].photo_url and bot.events[1].caption == "ảnh"
