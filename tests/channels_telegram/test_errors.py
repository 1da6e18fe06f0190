"""No traceback without an answer: the Telegram channel's error handler, over the real PTB stack."""

from __future__ import annotations

import logging
from types import SimpleNamespace

import pytest
from telegram.error import RetryAfter

import bot.channels.telegram as telegram_channel
from bot.app import running_bot
from bot.channels.telegram.errors import ErrorHandler
from tests.support import Person, plain

SECRET_TEXT = "Nguyễn Văn Mật 0912 345 678"


@pytest.fixture
async def live(runtime, fake_api):
    """The running bot with no test error recorder: the channel's own handler is on its own."""
    async with running_bot(runtime) as running:
        yield running


def error_lines(caplog):
    return [r for r in caplog.records if r.levelno >= logging.WARNING]


async def test_a_failing_handler_answers_politely_and_logs_one_line(
    live, fake_api, monkeypatch, caplog
):
    async def broken(services, inbound, responder):
        raise RuntimeError(f"cannot handle {SECRET_TEXT}")

    monkeypatch.setattr(telegram_channel, "dispatch", broken)
    person = Person(fake_api, fake_api.add_user("Ai đó"))
    with caplog.at_level(logging.DEBUG):
        answer = await person.say("/start")
        await person.silence()
    assert answer.text == plain("common.internal_error")
    [line] = error_lines(caplog)
    assert line.levelno == logging.ERROR and line.exc_info is None and not line.exc_text
    assert "RuntimeError" in line.getMessage() and "update" in line.getMessage()
    everything = "\n".join(r.getMessage() for r in caplog.records)
    assert "0912" not in everything and "Mật" not in everything


async def test_a_button_press_too_old_to_answer_is_still_handled_quietly(
    live, fake_api, caplog
):
    person = Person(fake_api, fake_api.add_user("Ai đó"))
    question = await person.say("/ngonngu")
    assert question.buttons
    fake_api.fail_next("answerCallbackQuery", status=400, description=(
        "Bad Request: query is too old and response timeout expired or query id is invalid"))
    before = len(fake_api.calls)
    with caplog.at_level(logging.INFO):
        fake_api.press_button(person.user, question, data=question.buttons[-1]["callback_data"])
        await fake_api.wait_for_call("editMessageText")
        await person.silence()
    assert error_lines(caplog) == []
    after = [c.method for c in fake_api.calls[before:]]
    assert "answerCallbackQuery" in after
    # The press itself was handled: the language question is answered in place.
    assert "editMessageText" in after or "sendMessage" in after, after


async def test_updates_without_a_person_end_quietly(live, fake_api, caplog):
    channel = {"id": -1001234, "type": "channel", "title": "Kênh"}
    with caplog.at_level(logging.INFO):
        fake_api.enqueue_update({"channel_post": {
            "message_id": 1, "date": 1700000000, "chat": channel, "text": "/tonghop"}})
        fake_api.enqueue_update({"callback_query": {
            "id": "77", "from": {"id": 5555, "is_bot": False, "first_name": "X"},
            "chat_instance": "1", "inline_message_id": "abc", "data": "whatever"}})
        await fake_api.wait_for_poll()
        await fake_api.wait_for_poll()
    assert error_lines(caplog) == []
    assert not [c for c in fake_api.calls if c.method == "sendMessage"]


async def test_a_flood_is_one_warning_line_not_a_traceback_per_message(caplog):
    handler = ErrorHandler(monotonic=iter([0.0, 1.0, 2.0, 70.0]).__next__)
    context = SimpleNamespace(error=RetryAfter(5), application=None, bot=None)
    with caplog.at_level(logging.DEBUG, logger="bot.channels.telegram.errors"):
        for _ in range(3):
            await handler(None, context)
    warnings = [r for r in caplog.records if r.levelno == logging.WARNING]
    assert len(warnings) == 1 and warnings[0].exc_info is None
    await handler(None, context)  # a minute later: the next flood gets its line
    assert len([r for r in caplog.records if r.levelno == logging.WARNING]) == 2
