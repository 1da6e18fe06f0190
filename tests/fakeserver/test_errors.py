"""Telegram's refusals, as python-telegram-bot sees them."""

from __future__ import annotations

import pytest
from telegram import (
    BotCommand,
    InlineKeyboardButton,
    InlineKeyboardMarkup,
    KeyboardButton,
    ReplyKeyboardMarkup,
)
from telegram.error import BadRequest, Forbidden, InvalidToken, NetworkError, RetryAfter

from bot.fakeserver import FakeBotApi, FloodLimits

from .conftest import build_app, seconds


def last_error(api: FakeBotApi) -> str:
    call = api.calls[-1]
    assert call.status != 200
    return call.response["description"]


@pytest.mark.parametrize(
    ("text", "parse_mode", "description"),
    [
        ("", None, "Bad Request: message text is empty"),
        ("   \n ", None, "Bad Request: message text is empty"),
        ("<b></b>", "HTML", "Bad Request: message text is empty"),
        ("x" * 4097, None, "Bad Request: message is too long"),
        ("<b>x</b>" + "y" * 4096, "HTML", "Bad Request: message is too long"),
        (
            "a <br> b",
            "HTML",
            'Bad Request: can\'t parse entities: Unsupported start tag "br" at byte offset 2',
        ),
        (
            "<b>bold",
            "HTML",
            "Bad Request: can't parse entities: Can't find end tag corresponding to start tag "
            '"b"',
        ),
        (
            "<b><i>x</b></i>",
            "HTML",
            "Bad Request: can't parse entities: Unmatched end tag at byte offset 7, expected "
            '"</i>", found "</b>"',
        ),
        (
            "1 < 2",
            "HTML",
            'Bad Request: can\'t parse entities: Unsupported start tag "" at byte offset 2',
        ),
        (
            "Hết hạn.",
            "MarkdownV2",
            "Bad Request: can't parse entities: Character '.' is reserved and must be escaped "
            "with the preceding '\\'",
        ),
        ("hi", "BBCode", "Bad Request: unsupported parse_mode BBCode"),
    ],
)
async def test_text_the_bot_api_rejects_fails_with_its_error(api: FakeBotApi, app, text: str, parse_mode, description: str) -> None:
    user = api.add_user()
    with pytest.raises(BadRequest):
        await app.bot.send_message(user.id, text, parse_mode=parse_mode)
    assert last_error(api) == description
    assert api.sent_messages() == []


async def test_exactly_4096_characters_after_parsing_is_fine(api: FakeBotApi, app) -> None:
    user = api.add_user()
    text = "<b>" + "ệ" * 4096 + "</b>"
    message = await app.bot.send_message(user.id, text, parse_mode="HTML")
    assert len(message.text) == 4096
    assert message.entities[0].length == 4096


@pytest.mark.parametrize(
    ("data", "accepted"),
    [("a" * 64, True), ("đ" * 32, True), ("đ" * 33, False), ("a" * 65, False), ("", False)],
)
async def test_callback_data_is_1_to_64_bytes(api: FakeBotApi, app, data: str, accepted) -> None:
    user = api.add_user()
    markup = InlineKeyboardMarkup([[InlineKeyboardButton("b", callback_data=data)]])
    if accepted:
        await app.bot.send_message(user.id, "x", reply_markup=markup)
        return
    with pytest.raises(BadRequest):
        await app.bot.send_message(user.id, "x", reply_markup=markup)
    assert last_error(api) == "Bad Request: BUTTON_DATA_INVALID"


async def test_reply_markup_structure(api: FakeBotApi, app) -> None:
    user = api.add_user()
    group = api.add_group("Nhóm", [user])
    with pytest.raises(BadRequest):
        await app.bot.send_message(
            user.id, "x", reply_markup=InlineKeyboardMarkup([[InlineKeyboardButton("text only")]])
        )
    assert last_error(api) == "Bad Request: Text buttons are not allowed in the inline keyboard"
    share = ReplyKeyboardMarkup([[KeyboardButton("Gửi số", request_contact=True)]])
    await app.bot.send_message(user.id, "x", reply_markup=share)
    with pytest.raises(BadRequest):
        await app.bot.send_message(group.id, "x", reply_markup=share)
    assert last_error(api) == "Bad Request: phone number can be requested in private chats only"
    record = api.sent_messages(user.id)[0]
    assert record.reply_markup["keyboard"][0][0] == {"text": "Gửi số", "request_contact": True}
    assert "reply_markup" not in record.message  # Telegram echoes inline keyboards only


@pytest.mark.parametrize(
    ("commands", "description"),
    [
        ([BotCommand("Start", "upper case")], "Bad Request: BOT_COMMAND_INVALID"),
        ([BotCommand("bắt_đầu", "not ascii")], "Bad Request: BOT_COMMAND_INVALID"),
        ([BotCommand("a" * 33, "too long")], "Bad Request: BOT_COMMAND_INVALID"),
        ([BotCommand("help", "")], "Bad Request: BOT_COMMAND_DESCRIPTION_INVALID"),
        ([BotCommand("help", "x" * 257)], "Bad Request: BOT_COMMAND_DESCRIPTION_INVALID"),
        ([BotCommand(f"c{i}", "d") for i in range(101)], "Bad Request: BOT_COMMANDS_TOO_MUCH"),
    ],
)
async def test_a_command_menu_the_bot_api_refuses_is_refused_with_its_reason(api: FakeBotApi, app, commands, description: str) -> None:
    with pytest.raises(BadRequest):
        await app.bot.set_my_commands(commands)
    assert last_error(api) == description


async def test_commands_are_stored_per_scope_and_language(api: FakeBotApi, app) -> None:
    from telegram import BotCommandScopeAllPrivateChats

    await app.bot.set_my_commands([BotCommand("start", "Bắt đầu")], language_code="vi")
    scope = BotCommandScopeAllPrivateChats()
    await app.bot.set_my_commands([BotCommand(f"c{i}", "d") for i in range(100)], scope=scope)
    vi = await app.bot.get_my_commands(language_code="vi")
    assert [(c.command, c.description) for c in vi] == [("start", "Bắt đầu")]
    assert await app.bot.get_my_commands() == ()
    assert len(await app.bot.get_my_commands(scope=scope)) == 100
    await app.bot.delete_my_commands(language_code="vi")
    assert await app.bot.get_my_commands(language_code="vi") == ()


async def test_sending_to_an_unknown_chat_fails_with_chat_not_found(api: FakeBotApi, app) -> None:
    with pytest.raises(BadRequest, match="Chat not found"):
        await app.bot.send_message(987654321, "hello")
    assert last_error(api) == "Bad Request: chat not found"


async def test_editing_without_a_change_or_a_missing_message_fails(api: FakeBotApi, app) -> None:
    user = api.add_user()
    message = await app.bot.send_message(user.id, "same")
    with pytest.raises(BadRequest):
        await message.edit_text("same")
    assert last_error(api).startswith("Bad Request: message is not modified")
    with pytest.raises(BadRequest):
        await app.bot.edit_message_text("new", chat_id=user.id, message_id=99)
    assert last_error(api) == "Bad Request: message to edit not found"
    await message.delete()
    assert api.sent_messages(user.id)[0].deleted
    with pytest.raises(BadRequest):
        await message.delete()
    assert last_error(api) == "Bad Request: message to delete not found"


async def test_callback_query_answered_once(api: FakeBotApi, app) -> None:
    user = api.add_user()
    markup = InlineKeyboardMarkup([[InlineKeyboardButton("b", callback_data="b")]])
    message = await app.bot.send_message(user.id, "x", reply_markup=markup)
    query_id = api.press_button(user, message.message_id, data="b")["callback_query"]["id"]
    assert await app.bot.answer_callback_query(query_id, text="ok")
    with pytest.raises(BadRequest):
        await app.bot.answer_callback_query(query_id)
    assert "query is too old" in last_error(api)


async def test_injected_429_reaches_ptb_as_retry_after(api: FakeBotApi, app) -> None:
    user = api.add_user()
    api.flood_chat(user.id, retry_after=7)
    await app.bot.send_chat_action(user.id, "typing")  # not a send: unaffected
    with pytest.raises(RetryAfter) as caught:
        await app.bot.send_message(user.id, "hi")
    assert seconds(caught.value.retry_after) == 7
    assert api.calls[-1].response["parameters"] == {"retry_after": 7}
    assert api.retry_after_count == 1
    await app.bot.send_message(user.id, "hi")  # the fault was for one call only


async def test_flood_control_limits_per_chat(api: FakeBotApi, app) -> None:
    now = [1000.0]
    api.monotonic = lambda: now[0]
    api.enable_flood_control(FloodLimits(chat_per_second=1, chat_burst=2))
    user, other = api.add_user(), api.add_user()
    await app.bot.send_message(user.id, "1")
    await app.bot.send_message(user.id, "2")
    with pytest.raises(RetryAfter) as caught:
        await app.bot.send_message(user.id, "3")
    assert seconds(caught.value.retry_after) == 1
    await app.bot.send_message(other.id, "other chats are not affected")
    now[0] += 1.0
    await app.bot.send_message(user.id, "3")
    assert api.retry_after_count == 1


async def test_flood_control_group_per_minute(api: FakeBotApi, app) -> None:
    now = [0.0]
    api.monotonic = lambda: now[0]
    api.enable_flood_control(FloodLimits(chat_burst=100, chat_per_second=100, group_burst=20))
    group = api.add_group("Nhóm", [api.add_user()])
    for i in range(20):
        await app.bot.send_message(group.id, str(i))
    with pytest.raises(RetryAfter) as caught:
        await app.bot.send_message(group.id, "21st")
    assert seconds(caught.value.retry_after) == 3  # 20 per 60 s refills one every 3 s


async def test_blocked_user_is_forbidden(api: FakeBotApi, app) -> None:
    user = api.add_user()
    api.block_bot(user)
    with pytest.raises(Forbidden):
        await app.bot.send_message(user.id, "hi")
    assert last_error(api) == "Forbidden: bot was blocked by the user"
    kicked = api.pending[-1]["my_chat_member"]["new_chat_member"]
    assert kicked["status"] == "kicked"
    api.unblock_bot(user)
    await app.bot.send_message(user.id, "welcome back")


async def test_injected_5xx(api: FakeBotApi, app) -> None:
    user = api.add_user()
    fault = api.fail_next("sendMessage", times=2, status=502)
    for _ in range(2):
        with pytest.raises(NetworkError):
            await app.bot.send_message(user.id, "hi")
    await app.bot.send_message(user.id, "hi")
    assert fault.hits == 2
    assert [c.status for c in api.calls_to("sendMessage")] == [502, 502, 200]


async def test_an_injected_delay_slows_the_answer_by_at_least_that_long(api: FakeBotApi, app) -> None:
    import asyncio

    user = api.add_user()
    api.set_delay(0.2, method="sendMessage")
    loop = asyncio.get_running_loop()
    started = loop.time()
    await app.bot.send_message(user.id, "hi")
    assert loop.time() - started >= 0.2
    api.clear_faults()


async def test_wrong_token_is_unauthorized(api: FakeBotApi) -> None:
    other = build_app(api, token="999:WRONG")
    with pytest.raises(InvalidToken):
        await other.bot.get_me()
    assert api.calls[-1].status == 401
