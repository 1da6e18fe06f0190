"""PTB's calls over the aiohttp transport: files, downloads, proxies, errors without the token."""

from __future__ import annotations

import asyncio
import contextlib
import json

import pytest
from telegram import Bot
from telegram.error import NetworkError, TimedOut

from bot.channels.telegram.transport import AiohttpRequest
from bot.fakeserver import FakeBotApi
from tests.conftest import TOKEN


@contextlib.asynccontextmanager
async def _bot(api_url: str, **request_options):
    request = AiohttpRequest(4, **request_options)
    bot = Bot(TOKEN, base_url=f"{api_url}/bot", base_file_url=f"{api_url}/file/bot",
              request=request, get_updates_request=AiohttpRequest(1))
    async with bot:
        yield bot


async def test_a_document_and_a_caption_arrive_whole_and_a_users_file_downloads(monkeypatch):
    monkeypatch.setenv("NO_PROXY", "127.0.0.1,localhost")
    async with FakeBotApi(token=TOKEN) as api:
        user = api.add_user("Lan")
        content = "Báo cáo tổng hợp – Kon Tum".encode() * 2000
        async with _bot(api.url) as bot:
            await bot.send_document(user.id, content, filename="bao-cao.docx",
                                    caption="<b>Báo cáo</b> số 1", parse_mode="HTML")
            [sent] = api.sent_messages(user.id)
            stored = api.files[sent.document["file_id"]]
            assert stored.data == content and stored.file_name == "bao-cao.docx"
            assert sent.message["caption"] == "Báo cáo số 1"

            api.send_document(user, b"%PDF-1.4\nanh chup\n", file_name="ke-hoach.pdf")
            [update] = await bot.get_updates(timeout=1)
            file = await bot.get_file(update.message.document.file_id)
            assert bytes(await file.download_as_bytearray()) == b"%PDF-1.4\nanh chup\n"


async def _answer_as_proxy(seen: list[str], reader, writer) -> None:
    request_line = (await reader.readline()).decode()
    seen.append(request_line)
    while (await reader.readline()) not in (b"\r\n", b""):
        pass
    body = json.dumps({"ok": True, "result": {"id": 1, "is_bot": True, "first_name": "P",
                                              "username": "proxied_bot"}}).encode()
    writer.write(b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: "
                 + str(len(body)).encode() + b"\r\nConnection: close\r\n\r\n" + body)
    await writer.drain()
    writer.close()


async def test_the_environments_proxy_is_used_unless_no_proxy_names_the_host(monkeypatch):
    seen: list[str] = []
    server = await asyncio.start_server(lambda r, w: _answer_as_proxy(seen, r, w), "127.0.0.1", 0)
    port = server.sockets[0].getsockname()[1]
    monkeypatch.setenv("HTTP_PROXY", f"http://127.0.0.1:{port}")
    monkeypatch.delenv("NO_PROXY", raising=False)
    monkeypatch.delenv("no_proxy", raising=False)
    async with server:
        async with _bot("http://api.telegram.invalid") as bot:
            assert bot.username == "proxied_bot"
        assert seen and seen[0].startswith("POST http://api.telegram.invalid/bot")

        monkeypatch.setenv("NO_PROXY", "api.telegram.invalid")
        with pytest.raises(NetworkError):
            async with _bot("http://api.telegram.invalid"):
                pass
        assert len(seen) == 1, "a host NO_PROXY names is reached directly"


async def test_a_failed_connection_is_a_network_error_that_never_quotes_the_token(monkeypatch):
    monkeypatch.setenv("NO_PROXY", "127.0.0.1,localhost")
    unused = await asyncio.start_server(lambda r, w: None, "127.0.0.1", 0)
    port = unused.sockets[0].getsockname()[1]
    unused.close()
    await unused.wait_closed()
    with pytest.raises(NetworkError) as caught:
        async with _bot(f"http://127.0.0.1:{port}"):
            pass
    assert TOKEN not in str(caught.value)
    assert TOKEN.split(":")[1] not in repr(caught.value)


async def test_an_answer_slower_than_the_read_timeout_is_timed_out(monkeypatch):
    monkeypatch.setenv("NO_PROXY", "127.0.0.1,localhost")
    async with FakeBotApi(token=TOKEN) as api:
        user = api.add_user("Lan")
        async with _bot(api.url, read_timeout=0.2) as bot:
            api.set_delay(1.0, "sendMessage")
            with pytest.raises(TimedOut):
                await bot.send_message(user.id, "Xin chào")


async def test_the_inbox_keeps_each_update_exactly_as_telegram_sent_it(runtime, fake_api):
    from bot.app import running_bot
    from tests.support import Person

    person = Person(fake_api, fake_api.add_user("Lan"))
    async with running_bot(runtime):
        await person.say("/start")
        sent = fake_api.enqueue_update({
            "message": {"message_id": 900, "date": 1_700_000_000, "text": "/huongdan",
                        "chat": {"id": person.user.id, "type": "private", "first_name": "Lan"},
                        "from": {"id": person.user.id, "is_bot": False, "first_name": "Lan"},
                        # A field newer than this PTB: kept, not dropped by a round trip
                        # through PTB's objects.
                        "a_field_from_a_newer_bot_api": {"x": 1}},
        })
        await person.silence()
        entries = await runtime.services.inbox.entries("telegram")
    stored = {entry.seq: entry.payload for entry in entries}
    assert stored[sent["update_id"]] == sent
    assert len(fake_api.sent_messages(person.user.id)) == 2, "both updates were answered"
