"""Who a stored update is from, read before it is handled, is who its inbound message names."""

from __future__ import annotations

from datetime import UTC, datetime

from telegram import Update

from bot.channels.telegram.inbound import button_inbound, message_inbound
from bot.channels.telegram.inbound import subject as telegram_subject
from bot.channels.telegram.render import choice_data
from bot.channels.zalo.inbound import event_inbound
from bot.channels.zalo.inbound import subject as zalo_subject
from bot.channels.zalo.updates import parse_event
from bot.domain.records import InboxEntry
from tests.channels_zalo.test_updates import text_event

NOW = datetime(2026, 3, 1, tzinfo=UTC)
PERSON = {"id": 42, "is_bot": False, "first_name": "Lan"}
PRIVATE = {"id": 42, "type": "private", "first_name": "Lan"}
GROUP = {"id": -100123, "type": "supergroup", "title": "Tiểu ban"}


def entry(channel: str, payload: dict) -> InboxEntry:
    return InboxEntry(1, channel, "key", payload, NOW)


def message(update_id: int, chat: dict, text: str = "Xin chào") -> dict:
    return {"update_id": update_id, "message": {
        "message_id": 7, "date": 1772323200, "chat": chat, "from": PERSON, "text": text}}


def test_a_telegram_message_or_button_names_its_chat_sender_and_key() -> None:
    press = {"update_id": 12, "callback_query": {
        "id": "q1", "from": PERSON, "chat_instance": "c", "data": choice_data("consent", 0),
        "message": {"message_id": 8, "date": 1772323200, "chat": GROUP, "text": "?"}}}
    for payload in (message(10, PRIVATE), message(11, GROUP, "/tonghop")):
        inbound = message_inbound(Update.de_json(payload, None), "daumoi_bot")
        assert telegram_subject(entry("telegram", payload)) == (
            inbound.chat, inbound.sender, inbound.key)
    inbound = button_inbound(Update.de_json(press, None))
    assert telegram_subject(entry("telegram", press)) == (
        inbound.chat, inbound.sender, inbound.key)


def test_a_telegram_update_nobody_is_answered_for_names_no_one() -> None:
    edited = {"update_id": 13, "edited_message": message(13, PRIVATE)["message"]}
    assert telegram_subject(entry("telegram", edited)) is None
    assert telegram_subject(entry("telegram", {})) is None


def test_a_zalo_event_names_its_chat_sender_and_key() -> None:
    payload = text_event()
    inbound = event_inbound(parse_event(payload), ["daumoi"])
    assert zalo_subject(entry("zalo", payload)) == (inbound.chat, inbound.sender, inbound.key)
    assert zalo_subject(entry("zalo", {"event_name": "nonsense"})) is None
