"""ZaloApi against the fake server: results, body-first errors, 408 as nothing new, redaction."""

from __future__ import annotations

import logging

import pytest
from aiohttp import web

from bot.channels.zalo import (
    ZaloApi,
    ZaloApiError,
    ZaloBadRequest,
    ZaloNetworkError,
    ZaloRateLimited,
    ZaloUnauthorized,
)
from bot.fakezalo import FakeZaloApi

from .conftest import SECRET, TOKEN


async def test_get_me(client: ZaloApi) -> None:
    me = await client.get_me()
    assert me["id"] == "1234567890" and me["display_name"] == "Bot Daumoi"


async def test_calls_are_json_posts(client: ZaloApi, fake: FakeZaloApi) -> None:
    user = fake.add_user("Lan")
    await client.send_message(user.id, "hi")
    call = fake.calls_to("sendMessage")[0]
    assert call.params == {"chat_id": user.id, "text": "hi"}


async def test_send_message_and_photo_return_message_ids(
    client: ZaloApi, fake: FakeZaloApi
) -> None:
    user = fake.add_user("Lan")
    message_id = await client.send_message(user.id, "xin chào")
    assert message_id == fake.sent[-1].message_id and isinstance(message_id, str)
    photo_id = await client.send_photo(user.id, "https://example.com/a.jpg", caption="ảnh")
    assert photo_id == fake.sent[-1].message_id
    assert (fake.sent[-1].photo, fake.sent[-1].caption) == ("https://example.com/a.jpg", "ảnh")
    await client.send_photo(user.id, "https://example.com/b.jpg")
    assert "caption" not in fake.calls_to("sendPhoto")[-1].params
    await client.send_chat_action(user.id)  # {"ok": true} without a result
    assert fake.chat_actions == [(user.id, "typing")]


async def test_wrong_token_in_an_http_200_body_is_unauthorized(fake: FakeZaloApi) -> None:
    async with ZaloApi("1234567890:wrong-secret", base_url=fake.url) as api:
        with pytest.raises(ZaloUnauthorized) as caught:
            await api.get_me()
    assert caught.value.error_code == 401 and fake.calls[-1].status == 200


async def test_errors_by_code(client: ZaloApi, fake: FakeZaloApi) -> None:
    user = fake.add_user("Lan")
    with pytest.raises(ZaloBadRequest) as caught:
        await client.send_message(user.id, "x" * 2001)
    assert caught.value.error_code == 400 and "text" in caught.value.description
    with pytest.raises(ZaloBadRequest) as caught:
        await client.send_message("0" * 20, "hi")
    assert caught.value.error_code == 404
    fake.fail_next("sendMessage", 429, "Quota exceeded")
    with pytest.raises(ZaloRateLimited):
        await client.send_message(user.id, "hi")
    fake.fail_next("sendMessage", 403, "Internal server error", http_status=200)
    with pytest.raises(ZaloApiError) as caught:
        await client.send_message(user.id, "hi")
    assert type(caught.value) is ZaloApiError and caught.value.error_code == 403


async def test_the_body_decides_not_the_http_status(client: ZaloApi, fake: FakeZaloApi) -> None:
    fake.fail_next("getMe", 401, "Unauthorized", http_status=500)
    with pytest.raises(ZaloUnauthorized):
        await client.get_me()


async def test_get_update_returns_one_event(client: ZaloApi, fake: FakeZaloApi) -> None:
    user = fake.add_user("Lan")
    event = fake.send_text(user, "hi")
    assert await client.get_update(timeout_s=1) == event
    assert fake.calls_to("getUpdates")[0].params == {"timeout": "1"}


async def test_empty_poll_is_none_for_http_408(client: ZaloApi, fake: FakeZaloApi) -> None:
    assert await client.get_update(timeout_s=0) is None
    assert fake.calls_to("getUpdates")[0].status == 408


async def test_empty_poll_is_none_for_408_in_an_http_200_body(
    client: ZaloApi, fake: FakeZaloApi
) -> None:
    fake.fail_next("getUpdates", 408, "Request timeout", http_status=200)
    assert await client.get_update(timeout_s=5) is None


async def test_get_update_raises_other_errors(client: ZaloApi, fake: FakeZaloApi) -> None:
    fake.fail_next("getUpdates", 401, "Unauthorized")
    with pytest.raises(ZaloUnauthorized):
        await client.get_update(timeout_s=5)


async def test_webhook_calls(client: ZaloApi, fake: FakeZaloApi) -> None:
    assert await client.get_webhook_info() is None  # Zalo's 404 when none is set
    with pytest.raises(ZaloBadRequest):
        await client.delete_webhook()  # none set
    result = await client.set_webhook("https://bot.example.vn/zalo/webhook", SECRET)
    assert result["url"] == "https://bot.example.vn/zalo/webhook"
    info = await client.get_webhook_info()
    assert info is not None and info["url"] == result["url"]
    assert (await client.delete_webhook())["url"] == ""


async def serve(handler) -> tuple[web.AppRunner, str]:
    app = web.Application()
    app.router.add_route("*", "/{tail:.*}", handler)
    runner = web.AppRunner(app, access_log=None)
    await runner.setup()
    await web.TCPSite(runner, "127.0.0.1", 0).start()
    return runner, f"http://127.0.0.1:{runner.addresses[0][1]}"


async def test_non_json_bodies_are_network_errors() -> None:
    async def html(request: web.Request) -> web.Response:
        return web.Response(status=502, text="<html>Bad Gateway</html>")

    runner, url = await serve(html)
    try:
        async with ZaloApi(TOKEN, base_url=url) as api:
            with pytest.raises(ZaloNetworkError) as caught:
                await api.get_me()
            assert caught.value.http_status == 502
    finally:
        await runner.cleanup()


async def test_missing_error_code_falls_back_to_the_http_status() -> None:
    async def not_found(request: web.Request) -> web.Response:
        return web.json_response({"ok": False, "description": "Not Found"}, status=404)

    runner, url = await serve(not_found)
    try:
        async with ZaloApi(TOKEN, base_url=url) as api:
            assert await api.get_webhook_info() is None
            with pytest.raises(ZaloBadRequest):
                await api.get_me()
    finally:
        await runner.cleanup()


async def test_408_without_json_is_none() -> None:
    async def timeout(request: web.Request) -> web.Response:
        return web.Response(status=408, text="Request Timeout")

    runner, url = await serve(timeout)
    try:
        async with ZaloApi(TOKEN, base_url=url) as api:
            assert await api.get_update(timeout_s=1) is None
    finally:
        await runner.cleanup()


async def test_the_token_never_shows(fake: FakeZaloApi, caplog) -> None:
    caplog.set_level(logging.DEBUG)
    port = fake.port
    await fake.stop()  # connection refused from now on
    async with ZaloApi(TOKEN, base_url=f"http://127.0.0.1:{port}") as api:
        with pytest.raises(ZaloNetworkError) as caught:
            await api.get_me()
        assert TOKEN not in repr(api)
    secret = TOKEN.split(":")[1]
    for text in (str(caught.value), repr(caught.value), caplog.text):
        assert TOKEN not in text and secret not in text
    assert caught.value.__cause__ is None and caught.value.__suppress_context__


async def test_redaction_of_a_url() -> None:
    api = ZaloApi(TOKEN)
    text = api.redact(f"GET https://bot-api.zaloplatforms.com/bot{TOKEN}/getMe failed")
    assert TOKEN not in text and "zalo-test-secret" not in text and "<token>" in text
    await api.close()


async def test_a_shared_session_is_not_closed(fake: FakeZaloApi) -> None:
    import aiohttp

    async with aiohttp.ClientSession() as session:
        async with ZaloApi(TOKEN, base_url=fake.url, session=session) as api:
            await api.get_me()
        assert not session.closed
