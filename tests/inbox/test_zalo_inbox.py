"""Zalo events go through the inbox: stored before the webhook's 200, de-duplicated by key,
and what a crash left stored is answered at the next start."""

from __future__ import annotations

import json

import aiohttp

from bot.app import Runtime, running_bot
from bot.channels.zalo import SECRET_HEADER
from tests.e2e.test_zalo import SECRET, zalo, zalo_settings  # noqa: F401 (a fixture)


def _body(person, message_id: str, text: str) -> bytes:
    message = {"message_id": message_id, "date": 1700000000000, "text": text,
               "from": {"id": person.id, "display_name": "Lan", "is_bot": False},
               "chat": {"id": person.id, "chat_type": "PRIVATE"}}
    return json.dumps({"ok": True, "result": {"event_name": "message.text.received",
                                              "message": message}}).encode()


async def test_the_webhook_answers_200_only_once_the_event_is_stored(
    zalo, database_url, kontum_plan, clock  # noqa: F811
):
    settings = zalo_settings(zalo, database_url, zalo_webhook_url="http://127.0.0.1/zalo/webhook",
                             zalo_webhook_secret=SECRET)
    async with Runtime.open(settings, kontum_plan, clock) as runtime:
        await runtime.load_plan()
        inbox = runtime.services.inbox
        person = zalo.add_user("Lan")
        async with running_bot(runtime) as running:
            url = f"http://127.0.0.1:{running.web.port}/zalo/webhook"
            headers = {SECRET_HEADER: SECRET, "Content-Type": "application/json"}
            async with aiohttp.ClientSession() as http:
                for _ in range(2):  # Zalo delivers it again: stored once, answered once
                    async with http.post(url, data=_body(person, "m-1", "/toi"),
                                         headers=headers) as response:
                        assert response.status == 200
                        keys = [e.message_key for e in await inbox.entries("zalo")]
                        assert keys == ["zalo:message.text.received:m-1"]
            answer = await zalo.wait_for_message(person.id)
            assert f"zalo:{person.id}" in answer.text
        assert len(zalo.messages_to(person.id)) == 1
        # A crash after the 200 and before the answer: the stored event waits for the next start.
        await inbox.store("zalo", "zalo:message.text.received:m-2",
                          json.loads(_body(person, "m-2", "/toi"))["result"], clock.now())
        async with running_bot(runtime):
            again = await zalo.wait_for_message(person.id)
            assert f"zalo:{person.id}" in again.text
        assert {e.status.value for e in await inbox.entries("zalo")} == {"done"}
