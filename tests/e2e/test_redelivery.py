"""Telegram delivers an update again (a lost acknowledgement): the person gets the same answer
again, and nothing is done twice (issue 11, item 9)."""

from __future__ import annotations

import pytest

from tests.e2e.test_registration import invite, newcomer, seats
from tests.support import plain


async def _again(fake_api, person, update):
    fake_api.redeliver(update["update_id"])
    return await person.reply()


async def test_a_redelivered_cancel_gets_the_same_answer(bot, fake_api):
    lan = newcomer(fake_api)
    await lan.say(f"/dangky {await invite(bot)}")
    await lan.reply()
    cancel = fake_api.send_text(lan.user, "/huy")
    assert (await lan.reply()).text == plain("dialogue.cancelled")
    # Stored with the update: not "nothing to cancel", which a second run would say.
    assert (await _again(fake_api, lan, cancel)).text == plain("dialogue.cancelled")
    assert await seats(bot) == []


@pytest.mark.parametrize("text", ["/start", "/trogiup", "/toi", "xin chào", "/khongco"])
async def test_a_redelivered_update_outside_a_conversation_is_answered_again(bot, fake_api,
                                                                             text):
    someone = newcomer(fake_api, "Ai đó")
    update = fake_api.send_text(someone.user, text)
    first = await someone.reply()
    again = await _again(fake_api, someone, update)
    assert again.text == first.text and again.text


async def test_a_redelivered_wrong_code_is_answered_again_and_recorded_once(bot, fake_api):
    someone = newcomer(fake_api, "Ai đó")
    update = fake_api.send_text(someone.user, "/dangky SAI-MA-1234")
    first = await someone.reply()
    assert first.text == plain("registration.invite_wrong")
    assert (await _again(fake_api, someone, update)).text == first.text
    async with bot.runtime.uow_factory() as uow:
        refused = [e for e in await uow.audit.recent(limit=100) if e.action == "invite.refused"]
    assert len(refused) == 1
    entries = await bot.runtime.services.inbox.entries("telegram")
    assert [e.message_key for e in entries].count(f"telegram:update:{update['update_id']}") == 1
