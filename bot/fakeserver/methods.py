"""Bot API methods implemented over the fake's state, answering like Telegram."""

from __future__ import annotations

import json
import re
from typing import Any

from .limits import check_caption, check_commands, check_reply_markup, check_text
from .markup import parse_entities, strip_text
from .spec import ApiError, Upload, bad_request
from .world import Chat, SentMessage, StoredFile, User, World, tiny_png

CHAT_ACTIONS = frozenset(
    {
        "typing",
        "upload_photo",
        "record_video",
        "upload_video",
        "record_voice",
        "upload_voice",
        "upload_document",
        "choose_sticker",
        "find_location",
        "record_video_note",
        "upload_video_note",
    }
)
MAX_DOWNLOAD_SIZE = 20 * 1024 * 1024
_URL_RE = re.compile(r"https?://\S+", re.IGNORECASE)
_NOT_MODIFIED = (
    "message is not modified: specified new message content and reply markup are exactly the "
    "same as a current content and reply markup of the message"
)
_QUERY_INVALID = "query is too old and response timeout expired or query ID is invalid"

#: Bot API method (lower case) -> name of the BotApiMethods attribute implementing it.
HANDLERS: dict[str, str] = {
    "getme": "get_me",
    "logout": "return_true",
    "close": "return_true",
    "setwebhook": "set_webhook",
    "deletewebhook": "delete_webhook",
    "getwebhookinfo": "get_webhook_info",
    "getupdates": "get_updates",
    "setmycommands": "set_my_commands",
    "getmycommands": "get_my_commands",
    "deletemycommands": "delete_my_commands",
    "sendmessage": "send_message",
    "editmessagetext": "edit_message_text",
    "editmessagecaption": "edit_message_caption",
    "editmessagereplymarkup": "edit_message_reply_markup",
    "deletemessage": "delete_message",
    "answercallbackquery": "answer_callback_query",
    "sendphoto": "send_bot_photo",
    "senddocument": "send_bot_document",
    "getfile": "get_file",
    "sendchataction": "send_chat_action",
    "getchat": "get_chat",
    "getchatmember": "get_chat_member",
    "setchatmenubutton": "set_chat_menu_button",
    "getchatmenubutton": "get_chat_menu_button",
}


def chat_member(user: User, status: str) -> dict[str, Any]:
    """Return a ChatMember object of the given status with every required field."""
    data: dict[str, Any] = {"status": status, "user": user.to_dict()}
    if status == "creator":
        data["is_anonymous"] = False
    elif status == "administrator":
        data.update(
            dict.fromkeys(
                (
                    "can_be_edited",
                    "is_anonymous",
                    "can_manage_chat",
                    "can_delete_messages",
                    "can_manage_video_chats",
                    "can_restrict_members",
                    "can_promote_members",
                    "can_change_info",
                    "can_invite_users",
                    "can_post_stories",
                    "can_edit_stories",
                    "can_delete_stories",
                ),
                False,
            )
        )
        data["can_manage_chat"] = data["can_delete_messages"] = True
    elif status == "kicked":
        data["until_date"] = 0
    return data


def _scope_key(scope: dict[str, Any] | None) -> str:
    return json.dumps(scope or {"type": "default"}, sort_keys=True)


class BotApiMethods(World):
    """The bot-side Bot API: each method takes coerced params and returns the result."""

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.webhook_url: str | None = None
        self.default_menu_button: dict[str, Any] = {"type": "default"}

    # --- helpers --------------------------------------------------------------------------

    def find_chat(self, chat_id: int | str) -> Chat:
        """Resolve a chat_id parameter (id or @username); 400 "chat not found" otherwise."""
        chat: Chat | None = None
        if isinstance(chat_id, int):
            chat = self.chats.get(chat_id)
        elif chat_id.startswith("@"):
            name = chat_id[1:].lower()
            chat = next(
                (c for c in self.chats.values() if (c.username or "").lower() == name), None
            )
        if chat is None:
            raise bad_request("chat not found")
        return chat

    def writable_chat(self, chat_id: int | str) -> Chat:
        """Resolve a chat the bot is about to write to; 403 if blocked or not a member."""
        chat = self.find_chat(chat_id)
        if chat.type == "private" and chat.bot_status == "kicked":
            raise ApiError(403, "Forbidden: bot was blocked by the user")
        if chat.is_group and chat.bot_status in ("left", "kicked"):
            kind = "supergroup chat" if chat.type == "supergroup" else "group chat"
            verb = "was kicked from" if chat.bot_status == "kicked" else "is not a member of"
            raise ApiError(403, f"Forbidden: bot {verb} the {kind}")
        return chat

    @staticmethod
    def _formatted(
        text: str, parse_mode: str | None, entities: list[dict[str, Any]] | None
    ) -> tuple[str, list[dict[str, Any]]]:
        if parse_mode:
            plain, found = parse_entities(text, parse_mode)
        else:
            plain, found = text, list(entities or [])
        return strip_text(plain, found)

    @staticmethod
    def _markup(params: dict[str, Any], chat: Chat) -> dict[str, Any] | None:
        markup = params.get("reply_markup")
        if markup is not None:
            check_reply_markup(markup, chat.type)
        return markup

    def _reply_to(self, params: dict[str, Any], chat: Chat) -> dict[str, Any] | None:
        reply = params.get("reply_parameters")
        if reply is None:
            return None
        target_chat = chat if reply.get("chat_id") is None else self.find_chat(reply["chat_id"])
        message = self.messages.get((target_chat.id, reply["message_id"]))
        if message is None and not reply.get("allow_sending_without_reply"):
            raise bad_request("message to be replied not found")
        return message

    def _store_bot_message(
        self,
        method: str,
        chat: Chat,
        params: dict[str, Any],
        content: dict[str, Any],
        **fields: Any,
    ) -> SentMessage:
        markup = self._markup(params, chat)
        replied = self._reply_to(params, chat)
        message: dict[str, Any] = {
            "message_id": self.next_message_id(chat),
            "from": self.bot.to_dict(),
            "chat": chat.to_dict(),
            "date": self.now(),
            **content,
        }
        if replied is not None:
            message["reply_to_message"] = replied
        if markup is not None and "inline_keyboard" in markup:
            message["reply_markup"] = markup
        record = SentMessage(
            seq=self.new_seq(),
            method=method,
            chat_id=chat.id,
            message_id=message["message_id"],
            date=message["date"],
            message=message,
            parse_mode=params.get("parse_mode"),
            reply_markup=markup,
            reply_to_message_id=replied["message_id"] if replied else None,
            **fields,
        )
        return self.add_sent(record)

    def _caption(self, params: dict[str, Any]) -> tuple[str | None, list[dict[str, Any]]]:
        if params.get("caption") is None:
            return None, []
        caption, entities = self._formatted(
            params["caption"], params.get("parse_mode"), params.get("caption_entities")
        )
        check_caption(caption)
        return caption or None, entities

    def _reuse_file(self, value: str, kind: str) -> StoredFile:
        stored = self.files.get(value)
        if stored is None:
            if _URL_RE.fullmatch(value):
                # Telegram would fetch the URL; the fake keeps a placeholder instead.
                data = tiny_png() if kind == "photo" else b""
                name = value.rsplit("/", 1)[-1] or None
                return self.store_file(kind, data, file_name=name)
            raise bad_request("wrong file identifier/HTTP URL specified")
        if stored.kind != kind:
            raise bad_request(
                f"can't use file of type {stored.kind.capitalize()} as {kind.capitalize()}"
            )
        return stored

    def _edit_target(self, params: dict[str, Any]) -> SentMessage:
        if params.get("inline_message_id") is not None:
            raise bad_request("inline messages are not supported by the fake server")
        if params.get("chat_id") is None:
            raise bad_request("chat_id is empty")
        if params.get("message_id") is None:
            raise bad_request("message identifier is not specified")
        chat = self.writable_chat(params["chat_id"])
        record = self.sent_record(chat.id, params["message_id"])
        if record is None or record.deleted:
            if (chat.id, params["message_id"]) in self.messages:
                raise bad_request("message can't be edited")
            raise bad_request("message to edit not found")
        return record

    def _apply_edit(self, record: SentMessage, content: dict[str, Any], **fields: Any) -> None:
        message = {**record.message, **content, "edit_date": self.now()}
        for key, value in content.items():
            if value in (None, []):
                message.pop(key)
        for key, value in fields.items():
            setattr(record, key, value)
        record.message = message
        record.edit_date = message["edit_date"]
        record.edits += 1
        self.messages[(record.chat_id, record.message_id)] = message
        self.activity.fire()

    # --- methods --------------------------------------------------------------------------

    def return_true(self, params: dict[str, Any]) -> bool:
        """Answer True (logOut, close)."""
        return True

    def get_me(self, params: dict[str, Any]) -> dict[str, Any]:
        """getMe: the bot's User object."""
        return {
            **self.bot.to_dict(),
            "can_join_groups": True,
            "can_read_all_group_messages": False,
            "supports_inline_queries": False,
            "can_connect_to_business": False,
            "has_main_web_app": False,
        }

    def set_webhook(self, params: dict[str, Any]) -> bool:
        """setWebhook: remember the URL (nothing is delivered to it)."""
        self.webhook_url = params["url"] or None
        if params.get("drop_pending_updates"):
            self.drop_pending()
        return True

    def delete_webhook(self, params: dict[str, Any]) -> bool:
        """deleteWebhook: forget the URL, optionally dropping pending updates."""
        self.webhook_url = None
        if params.get("drop_pending_updates"):
            self.drop_pending()
        return True

    def drop_pending(self) -> None:
        """Confirm every queued update without delivering it."""
        self.confirm_before(self._next_update_id)

    def get_webhook_info(self, params: dict[str, Any]) -> dict[str, Any]:
        """getWebhookInfo."""
        return {
            "url": self.webhook_url or "",
            "has_custom_certificate": False,
            "pending_update_count": len(self.pending),
        }

    def _command_scope(self, params: dict[str, Any]) -> tuple[str, str]:
        scope = params.get("scope")
        if scope is not None and "chat_id" in scope:
            scope = {**scope, "chat_id": self.find_chat(scope["chat_id"]).id}
        return _scope_key(scope), params.get("language_code", "")

    def set_my_commands(self, params: dict[str, Any]) -> bool:
        """setMyCommands: store the list per scope and language."""
        check_commands(params["commands"])
        commands = [
            {"command": c["command"], "description": c["description"]} for c in params["commands"]
        ]
        self.commands[self._command_scope(params)] = commands
        return True

    def get_my_commands(self, params: dict[str, Any]) -> list[dict[str, Any]]:
        """getMyCommands: the list stored for the scope and language."""
        return list(self.commands.get(self._command_scope(params), []))

    def delete_my_commands(self, params: dict[str, Any]) -> bool:
        """deleteMyCommands."""
        self.commands.pop(self._command_scope(params), None)
        return True

    def visible_commands(
        self, chat_id: int, language_code: str | None = None
    ) -> list[dict[str, str]]:
        """The menu a Telegram app shows in a chat, for a user of that language.

        Telegram picks the first scope set, narrowest first (the chat, then every private chat
        or every group, then the default), each with the user's language before none.
        """
        chat = self.find_chat(chat_id)
        broad = "all_private_chats" if chat.type == "private" else "all_group_chats"
        scopes = [{"type": "chat", "chat_id": chat.id}, {"type": broad}, None]
        for scope in scopes:
            for language in dict.fromkeys((language_code or "", "")):
                found = self.commands.get((_scope_key(scope), language))
                if found:
                    return list(found)
        return []

    def send_message(self, params: dict[str, Any]) -> dict[str, Any]:
        """sendMessage."""
        chat = self.writable_chat(params["chat_id"])
        text, entities = self._formatted(
            params["text"], params.get("parse_mode"), params.get("entities")
        )
        check_text(text)
        content: dict[str, Any] = {"text": text}
        if entities:
            content["entities"] = entities
        record = self._store_bot_message(
            "sendMessage",
            chat,
            params,
            content,
            text=text,
            entities=entities,
            source=params["text"],
        )
        return record.message

    def edit_message_text(self, params: dict[str, Any]) -> dict[str, Any]:
        """editMessageText (the reply markup is replaced, so omitting it removes the keyboard)."""
        record = self._edit_target(params)
        if record.text is None:
            raise bad_request("there is no text in the message to edit")
        chat = self.chats[record.chat_id]
        text, entities = self._formatted(
            params["text"], params.get("parse_mode"), params.get("entities")
        )
        check_text(text)
        markup = self._markup(params, chat)
        if (text, entities, markup) == (record.text, record.entities, record.reply_markup):
            raise bad_request(_NOT_MODIFIED)
        content = {"text": text, "entities": entities, "reply_markup": markup}
        self._apply_edit(
            record,
            content,
            text=text,
            entities=entities,
            source=params["text"],
            parse_mode=params.get("parse_mode"),
            reply_markup=markup,
        )
        return record.message

    def edit_message_caption(self, params: dict[str, Any]) -> dict[str, Any]:
        """editMessageCaption."""
        record = self._edit_target(params)
        if record.text is not None:
            raise bad_request("there is no caption in the message to edit")
        chat = self.chats[record.chat_id]
        caption, entities = self._caption(params)
        markup = self._markup(params, chat)
        old = (record.caption, record.caption_entities, record.reply_markup)
        if (caption, entities, markup) == old:
            raise bad_request(_NOT_MODIFIED)
        content = {"caption": caption, "caption_entities": entities, "reply_markup": markup}
        self._apply_edit(
            record,
            content,
            caption=caption,
            caption_entities=entities,
            source=params.get("caption"),
            parse_mode=params.get("parse_mode"),
            reply_markup=markup,
        )
        return record.message

    def edit_message_reply_markup(self, params: dict[str, Any]) -> dict[str, Any]:
        """editMessageReplyMarkup (no reply_markup removes the keyboard)."""
        record = self._edit_target(params)
        markup = self._markup(params, self.chats[record.chat_id])
        if markup == record.reply_markup or (not markup and not record.reply_markup):
            raise bad_request(_NOT_MODIFIED)
        self._apply_edit(record, {"reply_markup": markup}, reply_markup=markup)
        return record.message

    def delete_message(self, params: dict[str, Any]) -> bool:
        """deleteMessage."""
        chat = self.find_chat(params["chat_id"])
        key = (chat.id, params["message_id"])
        if key not in self.messages:
            raise bad_request("message to delete not found")
        del self.messages[key]
        record = self.sent_record(*key)
        if record is not None:
            record.deleted = True
            self.activity.fire()
        return True

    def answer_callback_query(self, params: dict[str, Any]) -> bool:
        """answerCallbackQuery: each query can be answered once."""
        state = self.callback_queries.get(params["callback_query_id"])
        if state is None or state.answer is not None:
            raise bad_request(_QUERY_INVALID)
        keys = ("text", "show_alert", "url", "cache_time")
        state.answer = {k: params[k] for k in keys if k in params}
        return True

    def send_bot_photo(self, params: dict[str, Any]) -> dict[str, Any]:
        """sendPhoto (upload or file_id)."""
        chat = self.writable_chat(params["chat_id"])
        caption, entities = self._caption(params)
        photo = params["photo"]
        if isinstance(photo, Upload):
            sizes = self.store_photo(photo.data)
        else:
            stored = self._reuse_file(photo, "photo")
            sizes = self.photo_sets.get(stored.file_id) or self.store_photo(stored.data)
        content: dict[str, Any] = {"photo": sizes}
        if caption:
            content["caption"] = caption
        if entities:
            content["caption_entities"] = entities
        record = self._store_bot_message(
            "sendPhoto",
            chat,
            params,
            content,
            photo=sizes,
            caption=caption,
            caption_entities=entities,
            source=params.get("caption"),
        )
        return record.message

    def send_bot_document(self, params: dict[str, Any]) -> dict[str, Any]:
        """sendDocument (upload or file_id)."""
        chat = self.writable_chat(params["chat_id"])
        caption, entities = self._caption(params)
        document = params["document"]
        if isinstance(document, Upload):
            stored = self.store_file(
                "document",
                document.data,
                file_name=document.filename,
                mime_type=document.content_type or "application/octet-stream",
            )
        else:
            stored = self._reuse_file(document, "document")
        info: dict[str, Any] = {
            "file_id": stored.file_id,
            "file_unique_id": stored.file_unique_id,
            "file_size": len(stored.data),
        }
        if stored.file_name:
            info["file_name"] = stored.file_name
        if stored.mime_type:
            info["mime_type"] = stored.mime_type
        content: dict[str, Any] = {"document": info}
        if caption:
            content["caption"] = caption
        if entities:
            content["caption_entities"] = entities
        record = self._store_bot_message(
            "sendDocument",
            chat,
            params,
            content,
            document=info,
            caption=caption,
            caption_entities=entities,
            source=params.get("caption"),
        )
        return record.message

    def get_file(self, params: dict[str, Any]) -> dict[str, Any]:
        """getFile: the File object; download it from /file/bot<token>/<file_path>."""
        stored = self.files.get(params["file_id"])
        if stored is None:
            raise bad_request("invalid file_id")
        if len(stored.data) > MAX_DOWNLOAD_SIZE:
            raise bad_request("file is too big")
        return stored.to_file()

    def send_chat_action(self, params: dict[str, Any]) -> bool:
        """sendChatAction."""
        self.writable_chat(params["chat_id"])
        if params["action"] not in CHAT_ACTIONS:
            raise bad_request("wrong parameter action in request")
        return True

    def get_chat(self, params: dict[str, Any]) -> dict[str, Any]:
        """getChat: a basic ChatFullInfo."""
        return self.find_chat(params["chat_id"]).full_info()

    def get_chat_member(self, params: dict[str, Any]) -> dict[str, Any]:
        """getChatMember."""
        chat = self.find_chat(params["chat_id"])
        user_id = params["user_id"]
        if user_id == self.bot.id:
            return chat_member(self.bot, chat.bot_status)
        user = self.users.get(user_id)
        if user is None:
            raise bad_request("user not found")
        if chat.type == "private":
            status = "member" if user_id == chat.id else "left"
        else:
            status = chat.members.get(user_id, "left")
        return chat_member(user, status)

    def set_chat_menu_button(self, params: dict[str, Any]) -> bool:
        """setChatMenuButton (per chat, or the default without chat_id)."""
        button = params.get("menu_button") or {"type": "default"}
        if params.get("chat_id") is None:
            self.default_menu_button = button
        else:
            self.find_chat(params["chat_id"]).menu_button = button
        return True

    def get_chat_menu_button(self, params: dict[str, Any]) -> dict[str, Any]:
        """getChatMenuButton."""
        if params.get("chat_id") is None:
            return self.default_menu_button
        return self.find_chat(params["chat_id"]).menu_button or self.default_menu_button
