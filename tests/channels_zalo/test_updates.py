"""parse_events on every payload shape, and strip_mention."""

from __future__ import annotations

import dataclasses
from datetime import UTC, datetime

import pytest

from bot.channels.zalo import ZaloEvent, parse_events, strip_mention
from bot.fakezalo import FakeZaloApi


def text_event(text: str = "Xin chào", **message) -> dict:
    return {
        "event_name": "message.text.received",
        "message": {
            "from": {"id": "6ede9afa66b88fe6d6a9", "display_name": "Ted", "is_bot": False},
            "chat": {"id": "6ede9afa66b88fe6d6a9", "chat_type": "PRIVATE"},
            "text": text,
            "message_id": "2d758cb5e222177a4e35",
            "date": 1750316131602,
            **message,
        },
    }


def test_the_documented_sample() -> None:
    (event,) = parse_events({"ok": True, "result": text_event()})
    assert event == ZaloEvent(
        event_name="message.text.received",
        message_id="2d758cb5e222177a4e35",
        sender_id="6ede9afa66b88fe6d6a9",
        sender_name="Ted",
        chat_id="6ede9afa66b88fe6d6a9",
        chat_type="PRIVATE",
        text="Xin chào",
        date=datetime(2025, 6, 19, 6, 55, 31, 602000, tzinfo=UTC),
    )
    assert event.date.tzinfo is UTC and not event.is_bot and not event.is_group
    assert event.raw == text_event()["message"]
    assert event.dedupe_key == "message.text.received:2d758cb5e222177a4e35"
    with pytest.raises(dataclasses.FrozenInstanceError):
        event.text = "changed"  # type: ignore[misc]
    assert hash(event)


@pytest.mark.parametrize(
    "body",
    [
        {"ok": True, "result": text_event()},  # wrapped (docs)
        text_event(),  # unwrapped (live traffic per OpenClaw)
        [text_event()],  # a list of unwrapped
        [{"ok": True, "result": text_event()}],  # a list of wrapped
        {"ok": True, "result": [text_event()]},  # result is a list
    ],
    ids=["wrapped", "unwrapped", "list", "list-of-wrapped", "result-list"],
)
def test_every_webhook_body_shape_yields_the_message_text(body) -> None:
    events = parse_events(body)
    assert [e.text for e in events] == ["Xin chào"]


def test_malformed_entries_are_skipped() -> None:
    body = [
        "nonsense",
        None,
        {"event_name": "message.text.received"},  # no message
        {"message": text_event()["message"]},  # no event name
        {"event_name": "message.text.received", "message": {"text": "nobody"}},  # no chat/from
        {"unrelated": True},
        {"ok": False, "error_code": 408, "description": "Request timeout"},
        text_event("kept"),
    ]
    assert [e.text for e in parse_events(body)] == ["kept"]
    assert parse_events(None) == [] and parse_events("x") == [] and parse_events({}) == []


@pytest.mark.parametrize(
    ("key", "expected"),
    [("photo_url", "https://a/live.jpg"), ("photo", "https://a/docs.jpg")],
)
def test_photo_url_and_photo(key: str, expected: str) -> None:
    body = text_event(photo_url=None, photo=None)
    body["event_name"] = "message.image.received"
    body["message"].pop("text")
    body["message"][key] = expected
    body["message"]["caption"] = "ảnh"
    (event,) = parse_events(body)
    assert (event.photo_url, event.caption, event.text) == (expected, "ảnh", None)


def test_photo_url_wins_over_photo() -> None:
    (event,) = parse_events(text_event(photo="https://a/docs.jpg", photo_url="https://a/live.jpg"))
    assert event.photo_url == "https://a/live.jpg"


@pytest.mark.parametrize(
    ("sender", "name"),
    [
        ({"id": "u1", "display_name": "Ted", "first_name": "T", "name": "n"}, "Ted"),
        ({"id": "u1", "first_name": "Lan"}, "Lan"),
        ({"id": "u1", "name": "Minh"}, "Minh"),
        ({"id": "u1"}, ""),
        ({"id": "u1", "display_name": "", "name": "Hoa"}, "Hoa"),
    ],
)
def test_sender_name_fallbacks(sender: dict, name: str) -> None:
    (event,) = parse_events(text_event(**{"from": sender}))
    assert event.sender_name == name and event.sender_id == "u1"


def test_dates_are_milliseconds() -> None:
    (event,) = parse_events(text_event(date=1749538250568))
    assert event.date == datetime(2025, 6, 10, 6, 50, 50, 568000, tzinfo=UTC)
    (event,) = parse_events(text_event(date="1749538250568"))
    assert event.date is not None and event.date.year == 2025
    (event,) = parse_events(text_event(date=1749538250))  # seconds, defensively
    assert event.date is not None and event.date.year == 2025
    (event,) = parse_events(text_event(date="soon"))
    assert event.date is None


def test_unsupported_event_with_no_content() -> None:
    body = {
        "event_name": "message.unsupported.received",
        "message": {
            "from": {"id": "u1", "display_name": "Bé"},
            "chat": {"id": "u1", "chat_type": "PRIVATE"},
            "message_id": "abc",
            "date": 1750316131602,
        },
    }
    (event,) = parse_events(body)
    assert event.event_name == "message.unsupported.received"
    assert (event.text, event.photo_url, event.caption, event.sticker) == (None, None, None, None)


def test_groups_stickers_and_numeric_ids() -> None:
    (event,) = parse_events(
        text_event(
            chat={"id": "g1", "chat_type": "group"},
            sticker="bfe458",
            message_id=12345,
            **{"from": {"id": 42, "display_name": "Bot khác", "is_bot": True}},
        )
    )
    assert event.chat_type == "GROUP" and event.is_group and event.chat_id == "g1"
    assert event.sticker == "bfe458" and event.message_id == "12345"
    assert event.sender_id == "42" and event.is_bot


def test_chat_id_falls_back_to_the_sender() -> None:
    (event,) = parse_events(text_event(chat={}))
    assert event.chat_id == "6ede9afa66b88fe6d6a9" and event.chat_type == "PRIVATE"


async def test_the_fake_servers_events_parse() -> None:
    async with FakeZaloApi() as fake:
        lan = fake.add_user("Lan", name_field="first_name")
        group = fake.add_group("Tổ", members=[lan])
        events = [
            fake.send_text(lan, "hi"),
            fake.send_photo(lan, field="photo"),
            fake.send_sticker(lan),
            fake.send_unsupported(lan),
            fake.send_text(lan, "báo cáo", chat=group, mention=True),
        ]
        parsed = parse_events(events)
    assert [e.event_name.split(".")[1] for e in parsed] == [
        "text",
        "image",
        "sticker",
        "unsupported",
        "text",
    ]
    assert all(e.sender_name == "Lan" for e in parsed)
    assert parsed[1].photo_url and parsed[1].photo_url.startswith("http://127.0.0.1")
    assert parsed[4].is_group and strip_mention(parsed[4].text or "", "Bot Daumoi") == "báo cáo"


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("@Bot Daumoi báo cáo", "báo cáo"),
        ("  @bot daumoi:  báo cáo", "báo cáo"),
        ("@Bot Daumoi, báo cáo", "báo cáo"),
        ("@Bot Daumoi", ""),
        ("báo cáo @Bot Daumoi", "báo cáo @Bot Daumoi"),  # only a leading mention
        ("@Bot Daumoiabc hi", "@Bot Daumoiabc hi"),  # not the same name
        ("@Bot Dau hi", "hi"),
        ("no mention", "no mention"),
    ],
)
def test_strip_mention(text: str, expected: str) -> None:
    assert strip_mention(text, ["Bot Daumoi", "@Bot Dau"]) == expected


def test_strip_mention_with_no_names() -> None:
    assert strip_mention("@Bot Daumoi hi", []) == "@Bot Daumoi hi"
