"""How the fake server's messages and the outbox become the page's JSON."""

from __future__ import annotations

from datetime import UTC, datetime
from enum import StrEnum

from bot.fakeserver import FakeBotApi
from bot.sandbox.render import jsonable, render_message, reply_keyboard, with_auto_entities


def test_commands_inside_code_stay_code():
    text = "gõ /dangky MÃ or /help"
    entities = [{"type": "code", "offset": 3, "length": 10}]
    found = with_auto_entities(text, entities)
    assert [e["type"] for e in found] == ["code", "bot_command"]
    assert found[1]["offset"] == text.index("/help")


def test_buttons_and_files_are_described_not_rendered():
    message = {
        "message_id": 5,
        "from": {"id": 1, "first_name": "daumoi", "is_bot": True},
        "date": 0,
        "caption": "<b>x</b>",
        "document": {"file_id": "f1", "file_name": "a.docx", "file_size": 3},
        "reply_markup": {
            "inline_keyboard": [
                [{"text": "1. Lưu", "callback_data": "c:x:1"}, {"text": "Web", "url": "https://x"}]
            ]
        },
    }
    data = render_message(message, bot_id=1)
    assert data["from_bot"] and data["caption"] == "<b>x</b>"
    assert "bold" not in {e["type"] for e in data["caption_entities"]}
    assert data["document"]["url"] == "/api/file/f1?download=1"
    assert data["buttons"] == [
        [
            {"text": "1. Lưu", "kind": "callback", "data": "c:x:1"},
            {"text": "Web", "kind": "url", "url": "https://x"},
        ]
    ]


def test_one_time_keyboard_folds_after_the_answer():
    api = FakeBotApi()
    user = api.add_user("Lan", phone_number="+84905550001")
    markup = {
        "keyboard": [[{"text": "📱 Số của tôi", "request_contact": True}]],
        "one_time_keyboard": True,
    }
    api.send_message({"chat_id": user.id, "text": "Số điện thoại?", "reply_markup": markup})
    shown = reply_keyboard(api, user.id)
    assert shown == {"rows": [[{"text": "📱 Số của tôi", "kind": "contact"}]], "placeholder": None}
    api.send_contact(user)
    assert reply_keyboard(api, user.id) is None
    api.send_message({"chat_id": user.id, "text": "ok", "reply_markup": {"remove_keyboard": True}})
    assert reply_keyboard(api, user.id) is None


def test_outbox_rows_become_plain_json():
    class Status(StrEnum):
        SENT = "sent"

    row = {
        "status": Status.SENT,
        "due_at": datetime(2023, 11, 25, 1, tzinfo=UTC),
        "text": "<b>Nhắc</b> hạn &amp; mốc",
        "broken": "<b>unclosed",
        "ids": (1, 2),
    }
    assert jsonable(row) == {
        "status": "sent",
        "due_at": "2023-11-25T01:00:00+00:00",
        "text": "Nhắc hạn & mốc",
        "broken": "<b>unclosed",
        "ids": [1, 2],
    }
