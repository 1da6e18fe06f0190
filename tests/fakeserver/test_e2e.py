"""End to end: the real python-telegram-bot, long polling the fake over HTTP."""

from __future__ import annotations

import asyncio

import pytest
from telegram import InlineKeyboardButton, InlineKeyboardMarkup, Update
from telegram.error import Forbidden
from telegram.ext import (
    CallbackQueryHandler,
    ChatMemberHandler,
    CommandHandler,
    ContextTypes,
    MessageHandler,
    filters,
)

from bot.fakeserver import FakeBotApi

from .conftest import polling_bot, seconds


async def test_get_me_round_trip(api: FakeBotApi, app) -> None:
    me = await app.bot.get_me()
    assert me.username == "daumoi_test_bot"
    assert me.id == 123456  # taken from the token
    assert app.bot.username == "daumoi_test_bot"
    assert [c.method for c in api.calls] == ["getMe", "getMe"]


async def echo(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    await update.message.reply_text(update.message.text)


async def test_echo(api: FakeBotApi) -> None:
    user = api.add_user("Lan", username="lan")
    async with polling_bot(api, [MessageHandler(filters.TEXT & ~filters.COMMAND, echo)]):
        api.send_text(user, "Xin chào 👋")
        reply = await api.wait_for_message(user.id, timeout=5)
    assert reply.text == "Xin chào 👋"
    assert reply.method == "sendMessage"
    assert reply.message["from"]["is_bot"] is True
    assert reply.message_id == 2  # the user's message was 1 in the same chat


async def test_command_with_entity_and_bot_name(api: FakeBotApi) -> None:
    seen: list[tuple[str, list[str]]] = []

    async def start(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        seen.append((update.message.text, list(context.args)))
        await update.message.reply_text("started")

    user = api.add_user()
    update = api.send_text(user, "/start@daumoi_test_bot ref_42")
    entity = update["message"]["entities"][0]
    assert entity == {"type": "bot_command", "offset": 0, "length": 22}
    async with polling_bot(api, [CommandHandler("start", start)]):
        api.send_text(user, "/start")
        await api.wait_for_message(user.id, timeout=5)
        await api.wait_for_message(user.id, timeout=5)
    assert seen == [("/start@daumoi_test_bot ref_42", ["ref_42"]), ("/start", [])]


async def test_callback_button_round_trip(api: FakeBotApi) -> None:
    pressed: list[str] = []

    async def menu(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        keyboard = [[InlineKeyboardButton("Đồng ý", callback_data="vote:yes")]]
        await update.message.reply_text("Bạn đồng ý?", reply_markup=InlineKeyboardMarkup(keyboard))

    async def on_press(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        query = update.callback_query
        pressed.append(query.data)
        await query.answer("Đã ghi nhận")
        await query.edit_message_text(f"Bạn chọn: {query.data}")

    user = api.add_user()
    handlers = [CommandHandler("menu", menu), CallbackQueryHandler(on_press)]
    async with polling_bot(api, handlers):
        api.send_text(user, "/menu")
        question = await api.wait_for_message(user.id)
        assert question.button_texts == ["Đồng ý"]
        update = api.press_button(user, question, text="Đồng ý")
        await api.wait_for_call("editMessageText")
        api.press_forged(user, question, "vote:forged")
        await api.wait_for_call("editMessageText")
    assert pressed == ["vote:yes", "vote:forged"]
    query_id = update["callback_query"]["id"]
    assert api.callback_queries[query_id].answer == {"text": "Đã ghi nhận"}
    assert question.text == "Bạn chọn: vote:forged"
    assert question.edits == 2
    assert question.reply_markup is None  # editMessageText without markup drops the keyboard


async def test_press_button_needs_a_real_button(api: FakeBotApi, app) -> None:
    user = api.add_user()
    keyboard = InlineKeyboardMarkup([[InlineKeyboardButton("A", callback_data="a")]])
    message = await app.bot.send_message(user.id, "pick", reply_markup=keyboard)
    try:
        api.press_button(user, message.message_id, data="b")
    except LookupError:
        pass
    else:
        raise AssertionError("pressing a button that is not there must fail")
    assert api.press_button(user, message.message_id, data="a")["callback_query"]["data"] == "a"


async def test_photo_upload_get_file_and_download(api: FakeBotApi, app) -> None:
    user = api.add_user()
    payload = b"\x89PNG\r\n\x1a\n" + bytes(range(256)) * 4
    sent = await app.bot.send_photo(
        user.id, photo=payload, caption="<b>Ảnh</b>", parse_mode="HTML"
    )
    assert sent.caption == "Ảnh"
    file = await sent.photo[-1].get_file()
    assert file.file_path.startswith(api.base_file_url)
    assert bytes(await file.download_as_bytearray()) == payload
    again = await app.bot.send_photo(user.id, photo=sent.photo[-1].file_id)
    assert again.photo[-1].file_id == sent.photo[-1].file_id
    doc = await app.bot.send_document(user.id, document=b"a,b\n1,2\n", filename="data.csv")
    assert doc.document.file_name == "data.csv"
    doc_file = await app.bot.get_file(doc.document.file_id)
    assert bytes(await doc_file.download_as_bytearray()) == b"a,b\n1,2\n"
    records = api.sent_messages(user.id)
    assert [r.method for r in records] == ["sendPhoto", "sendPhoto", "sendDocument"]
    assert records[0].photo is not None and records[2].document["file_name"] == "data.csv"


async def test_user_media_reach_handlers(api: FakeBotApi) -> None:
    received: list[object] = []

    async def on_media(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        message = update.message
        if message.photo:
            data = await (await message.photo[-1].get_file()).download_as_bytearray()
            received.append(("photo", len(data)))
        elif message.contact:
            received.append(("contact", message.contact.user_id, message.contact.phone_number))
        elif message.document:
            received.append(("document", message.document.file_name))
        elif message.sticker:
            received.append(("sticker", message.sticker.emoji))
        elif message.voice:
            received.append(("voice", seconds(message.voice.duration)))
        await message.reply_text("ok")

    user = api.add_user(phone_number="+84901234567")
    other = api.add_user("Minh")
    async with polling_bot(api, [MessageHandler(filters.ALL, on_media)]):
        api.send_photo(user, caption="hi")
        api.send_contact(user)
        api.send_contact(user, "+84900000000", of=other)
        api.send_document(user, b"x", file_name="a.txt", mime_type="text/plain")
        api.send_sticker(user, "🎉")
        api.send_voice(user, 4)
        for _ in range(6):
            await api.wait_for_message(user.id)
    assert received[0][0] == "photo" and received[0][1] > 0
    assert received[1:] == [
        ("contact", user.id, "+84901234567"),
        ("contact", other.id, "+84900000000"),
        ("document", "a.txt"),
        ("sticker", "🎉"),
        ("voice", 4),
    ]


async def test_redelivered_update_reaches_the_bot_again(api: FakeBotApi) -> None:
    seen: list[int] = []

    async def count(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        seen.append(update.update_id)
        await update.message.reply_text(f"#{len(seen)}")

    user = api.add_user()
    async with polling_bot(api, [MessageHandler(filters.TEXT, count)]):
        update = api.send_text(user, "once")
        await api.wait_for_message(user.id)
        api.redeliver(update["update_id"])
        await api.wait_for_message(user.id)
    assert seen == [update["update_id"], update["update_id"]]


async def test_long_poll_wakes_as_soon_as_an_update_arrives(api: FakeBotApi) -> None:
    user = api.add_user()
    loop = asyncio.get_running_loop()
    async with polling_bot(api, [MessageHandler(filters.TEXT, echo)], timeout=20):
        await api.wait_for_poll()
        started = loop.time()
        api.send_text(user, "ping")
        await api.wait_for_message(user.id, timeout=5)
        elapsed = loop.time() - started
    assert elapsed < 1.0  # far below the 20 s poll timeout


async def test_group_membership_updates(api: FakeBotApi) -> None:
    events: list[str] = []

    async def on_my_member(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        change = update.my_chat_member
        events.append(f"{change.old_chat_member.status}->{change.new_chat_member.status}")
        await context.bot.send_message(change.chat.id, "Chào cả nhóm")

    lan, minh = api.add_user("Lan"), api.add_user("Minh")
    group = api.add_group("Đầu mối Hà Nội", [lan, minh], add_bot=False)
    async with polling_bot(api, [ChatMemberHandler(on_my_member)]):
        api.add_bot_to_group(group, lan)
        hello = await api.wait_for_message(group.id)
    assert events == ["left->member"]
    assert hello.message["chat"] == {"id": group.id, "type": "group", "title": "Đầu mối Hà Nội"}
    new_members = [u for u in api.pending if "message" in u]
    assert new_members == []  # the new_chat_members message was delivered and confirmed


async def test_injected_clock_stamps_messages() -> None:
    async with FakeBotApi(clock=lambda: 1_750_000_000.7) as api:
        user = api.add_user()
        assert api.send_text(user, "hi")["message"]["date"] == 1_750_000_000


async def test_chat_info_members_and_menu_button(api: FakeBotApi, app) -> None:
    from telegram import MenuButtonCommands

    lan, minh = api.add_user("Lan"), api.add_user("Minh")
    group = api.add_group("Nhóm lớn", [lan, minh], supergroup=True, username="nhom_lon")
    chat = await app.bot.get_chat("@nhom_lon")
    assert (chat.id, chat.type, chat.title) == (group.id, "supergroup", "Nhóm lớn")
    assert str(group.id).startswith("-100")
    assert (await app.bot.get_chat_member(group.id, lan.id)).status == "creator"
    assert (await app.bot.get_chat_member(group.id, minh.id)).status == "member"
    assert (await app.bot.get_chat_member(group.id, app.bot.id)).status == "member"
    assert await app.bot.send_chat_action(group.id, "typing")
    assert await app.bot.set_chat_menu_button(lan.id, MenuButtonCommands())
    assert isinstance(await app.bot.get_chat_menu_button(lan.id), MenuButtonCommands)
    api.remove_bot_from_group(group, lan)
    with pytest.raises(Forbidden):
        await app.bot.send_message(group.id, "still here?")
