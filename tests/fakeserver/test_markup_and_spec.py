"""Unit tests: entity parsing, UTF-16 offsets and the vendored spec."""

from __future__ import annotations

import pytest
from telegram.constants import BOT_API_VERSION

from bot.fakeserver.markup import (
    EntityParseError,
    detect_entities,
    entity_text,
    parse_html,
    parse_markdown,
    parse_markdown_v2,
    strip_text,
)
from bot.fakeserver.spec import METHODS, ApiError, Spec


def test_html_entities_use_utf16_offsets() -> None:
    text, entities = parse_html("😀 <b>đậm <i>nghiêng</i></b> &lt;3 &amp; &#128512;")
    assert text == "😀 đậm nghiêng <3 & 😀"
    assert entities == [
        {"type": "bold", "offset": 3, "length": 11},
        {"type": "italic", "offset": 7, "length": 7},
    ]
    assert [entity_text(text, e) for e in entities] == ["đậm nghiêng", "nghiêng"]


def test_html_links_code_spoilers_and_quotes() -> None:
    source = (
        '<a href="https://gov.vn/?a=1&amp;b=2">link</a> <a href="tg://user?id=42">Lan</a> '
        '<pre><code class="language-python">x = 1</code></pre> <code>y</code> '
        '<span class="tg-spoiler">s</span><tg-spoiler>t</tg-spoiler> '
        "<blockquote expandable>q</blockquote> <u>u</u><ins>i</ins><s>s</s><del>d</del>"
    )
    text, entities = parse_html(source)
    assert text == "link Lan x = 1 y st q uisd"
    kinds = [(e["type"], entity_text(text, e)) for e in entities]
    assert kinds == [
        ("text_link", "link"),
        ("text_mention", "Lan"),
        ("pre", "x = 1"),
        ("code", "y"),
        ("spoiler", "s"),
        ("spoiler", "t"),
        ("expandable_blockquote", "q"),
        ("underline", "u"),
        ("underline", "i"),
        ("strikethrough", "s"),
        ("strikethrough", "d"),
    ]
    assert entities[0]["url"] == "https://gov.vn/?a=1&b=2"
    assert entities[2]["language"] == "python"


@pytest.mark.parametrize(
    ("source", "error"),
    [
        ("<span>x</span>", 'Tag "span" must have class "tg-spoiler" at byte offset 0'),
        ("</b>", "Unexpected end tag at byte offset 0"),
        ("đ <b", "Unclosed start tag at byte offset 3"),
        ("<p>x</p>", 'Unsupported start tag "p" at byte offset 0'),
    ],
)
def test_html_errors(source: str, error: str) -> None:
    with pytest.raises(EntityParseError, match=error):
        parse_html(source)


def test_markdown_v2() -> None:
    text, entities = parse_markdown_v2(
        "*đậm* _nghiêng_ __gạch__ ~xoá~ ||ẩn|| `code` [link](https://x.vn/a\\)b) 1\\.5"
    )
    assert text == "đậm nghiêng gạch xoá ẩn code link 1.5"
    assert [e["type"] for e in entities] == [
        "bold",
        "italic",
        "underline",
        "strikethrough",
        "spoiler",
        "code",
        "text_link",
    ]
    assert entities[-1]["url"] == "https://x.vn/a)b"
    with pytest.raises(EntityParseError, match="Can't find end of Bold entity at byte offset 0"):
        parse_markdown_v2("*open")
    text, entities = parse_markdown_v2(">quote\n>more\nafter")
    assert text == "quote\nmore\nafter"
    assert entities == [{"type": "blockquote", "offset": 0, "length": 10}]


def test_legacy_markdown() -> None:
    assert parse_markdown("*b* _i_ [l](http://a.b)")[0] == "b i l"
    with pytest.raises(EntityParseError):
        parse_markdown("*open")


def test_strip_text_shifts_entities() -> None:
    text, entities = strip_text("  ab  ", [{"type": "bold", "offset": 1, "length": 4}])
    assert (text, entities) == ("ab", [{"type": "bold", "offset": 0, "length": 2}])


def test_detect_entities() -> None:
    found = detect_entities("😀 /help@daumoi_test_bot xem https://x.vn #tag @lan_anh")
    assert [(e["type"], e["offset"], e["length"]) for e in found] == [
        ("bot_command", 3, 21),
        ("url", 29, 12),
        ("hashtag", 42, 4),
        ("mention", 47, 8),
    ]


def test_spec_matches_ptb() -> None:
    spec = Spec.load()
    assert spec.version == f"Bot API {BOT_API_VERSION}"
    assert {m.name for m in spec.methods.values()} == set(METHODS)
    assert "sendpoll" in spec.all_method_names


def test_spec_coercion() -> None:
    spec = Spec.load()
    method = spec.method("sendmessage")
    assert method is not None
    params, unknown = spec.coerce_params(
        method,
        {
            "chat_id": "@kenh",
            "text": "x",
            "reply_markup": '{"keyboard": [["Có", "Không"]], "is_persistent": "true"}',
            "junk": "1",
        },
        {},
    )
    assert params["chat_id"] == "@kenh"
    assert params["reply_markup"]["keyboard"][0] == [{"text": "Có"}, {"text": "Không"}]
    assert params["reply_markup"]["is_persistent"] is True
    assert unknown == ["junk"]
    with pytest.raises(ApiError, match="chat_id is empty"):
        spec.coerce_params(method, {"text": "x"}, {})
    scope_method = spec.method("setMyCommands")
    assert scope_method is not None
    with pytest.raises(ApiError, match="BotCommandScope"):
        spec.coerce_params(scope_method, {"commands": "[]", "scope": '{"type": "everyone"}'}, {})


def test_result_check_finds_missing_fields() -> None:
    spec = Spec.load()
    assert spec.check_result("Message", {"message_id": 1, "date": 0}) == [
        "result.chat: required field of Message missing"
    ]
    assert spec.check_result("User", {"id": 1, "is_bot": False, "first_name": "A"}) == []
