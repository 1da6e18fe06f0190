"""Telegram by webhook: updates POSTed to the bot's own web server are stored before the 200,
the secret is checked, and what arrives while the bot is down is answered after a restart."""

from __future__ import annotations

import socket

import aiohttp
import pytest

from bot.app import Runtime, running_bot
from bot.errors import StartupError
from bot.settings import Settings, SettingsError, load_settings
from tests.support import Person

SECRET = "hook_Secret-42"


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.fixture
def hook_settings(settings: Settings) -> Settings:
    port = _free_port()
    return settings.model_copy(update={
        "web_listen": f"127.0.0.1:{port}",
        "telegram_webhook_url": f"http://127.0.0.1:{port}/telegram/webhook",
        "telegram_webhook_secret": load_settings(
            _env_file=None, telegram_webhook_secret=SECRET).telegram_webhook_secret,
    })


async def test_updates_arrive_by_webhook_and_are_answered(
        hook_settings, fake_api, kontum_plan, clock):
    person = Person(fake_api, fake_api.add_user("Lan"))
    async with Runtime.open(hook_settings, kontum_plan, clock) as runtime:
        await runtime.load_plan()
        async with running_bot(runtime):
            assert fake_api.webhook_url == hook_settings.telegram_webhook_url
            answer = await person.say("/toi")
            assert f"telegram:{person.id}" in answer.text
    assert fake_api.calls_to("getUpdates") == []
    assert [d.status for d in fake_api.pusher.deliveries] == [200]


async def test_the_webhook_refuses_a_wrong_secret_and_what_telegram_never_sends(
        hook_settings, fake_api, kontum_plan, clock):
    url = hook_settings.telegram_webhook_url
    good = {"X-Telegram-Bot-Api-Secret-Token": SECRET}
    async with Runtime.open(hook_settings, kontum_plan, clock) as runtime:
        await runtime.load_plan()
        async with running_bot(runtime), aiohttp.ClientSession() as http:
            cases = [
                ({"X-Telegram-Bot-Api-Secret-Token": "wrong"}, {"update_id": 7}, 403),
                ({}, {"update_id": 7}, 403),
                (good, "not json", 415),
                (good, {"message": {}}, 400),
                (good, {"update_id": "7"}, 400),
            ]
            for headers, body, status in cases:
                kwargs = {"data": body} if isinstance(body, str) else {"json": body}
                async with http.post(url, headers=headers, **kwargs) as response:
                    assert response.status == status, (headers, body)
            async with http.post(url, headers=good, data=b"{oops",
                                 skip_auto_headers=["Content-Type"]) as response:
                assert response.status == 415
            async with http.post(url, headers={**good, "Content-Type": "application/json"},
                                 data=b"{oops") as response:
                assert response.status == 400
        async with runtime.uow_factory() as uow:
            assert await uow.inbox.pending("telegram", 10) == []
    assert fake_api.sent_messages() == []


async def test_a_message_sent_while_the_bot_is_down_is_answered_after_restart(
        hook_settings, fake_api, kontum_plan, clock):
    person = Person(fake_api, fake_api.add_user("Lan"))
    async with Runtime.open(hook_settings, kontum_plan, clock) as runtime:
        await runtime.load_plan()
        async with running_bot(runtime):
            await person.say("/toi")
        # Down: Telegram cannot deliver and keeps trying.
        fake_api.send_text(person.user, "/toi")
        await fake_api.activity.wait_for(
            lambda: True if any(d.status is None for d in fake_api.pusher.deliveries)
            else None, 10)
        assert len(fake_api.sent_messages()) == 1
        async with running_bot(runtime):
            answer = await person.reply()
            assert f"telegram:{person.id}" in answer.text
            await fake_api.wait_for_confirmed()


def test_a_webhook_url_needs_a_valid_secret(settings, kontum_plan):
    with pytest.raises(SettingsError) as caught:
        load_settings(_env_file=None, telegram_webhook_secret="has space")
    assert "TELEGRAM_WEBHOOK_SECRET" in str(caught.value)
    assert "has space" not in str(caught.value)


async def test_a_webhook_url_without_a_secret_stops_at_start(settings, kontum_plan, clock):
    bare = settings.model_copy(update={"telegram_webhook_url": "https://example.org/tg"})
    async with Runtime.open(bare, kontum_plan, clock) as runtime:
        with pytest.raises(StartupError) as caught:
            async with running_bot(runtime):
                pass
    assert "TELEGRAM_WEBHOOK_SECRET" in str(caught.value)
