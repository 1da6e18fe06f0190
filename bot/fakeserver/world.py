"""The fake Telegram's state: users, chats, messages, files and the update queue.

The user-side control methods (a user sends text, presses a button, ...) live here; the Bot API
side is in ``methods.py`` and the HTTP layer in ``server.py``.
"""

from __future__ import annotations

import asyncio
import copy
import itertools
import struct
import time
import zlib
from collections.abc import Callable, Iterable
from dataclasses import asdict, dataclass, field
from typing import Any, TypeVar

from .markup import detect_entities

T = TypeVar("T")

#: Update kinds not delivered unless asked for by allowed_updates.
OPT_IN_UPDATES = frozenset({"chat_member", "message_reaction", "message_reaction_count"})
DEFAULT_BOT_ID = 7_000_000_001


@dataclass
class User:
    """A Telegram user (or the bot itself)."""

    id: int
    first_name: str
    last_name: str | None = None
    username: str | None = None
    language_code: str | None = None
    is_bot: bool = False
    phone_number: str | None = None  # for contacts the user shares; not part of User JSON

    def to_dict(self) -> dict[str, Any]:
        """Return the Bot API User object."""
        data: dict[str, Any] = {
            "id": self.id,
            "is_bot": self.is_bot,
            "first_name": self.first_name,
        }
        for key in ("last_name", "username", "language_code"):
            value = getattr(self, key)
            if value is not None:
                data[key] = value
        return data


@dataclass
class Chat:
    """A chat: private (id = user id), group or supergroup."""

    id: int
    type: str
    title: str | None = None
    username: str | None = None
    first_name: str | None = None
    last_name: str | None = None
    members: dict[int, str] = field(default_factory=dict)  # user id -> status
    bot_status: str = "member"  # "member", "administrator", "left" or "kicked"
    menu_button: dict[str, Any] | None = None
    next_message_id: int = 1

    @property
    def is_group(self) -> bool:
        """Return True for groups and supergroups."""
        return self.type in ("group", "supergroup")

    def to_dict(self) -> dict[str, Any]:
        """Return the Bot API Chat object."""
        data: dict[str, Any] = {"id": self.id, "type": self.type}
        for key in ("title", "username", "first_name", "last_name"):
            value = getattr(self, key)
            if value is not None:
                data[key] = value
        return data

    def full_info(self) -> dict[str, Any]:
        """Return the Bot API ChatFullInfo object answered by getChat."""
        return {
            **self.to_dict(),
            "accent_color_id": 0,
            "max_reaction_count": 11,
            "accepted_gift_types": {
                "unlimited_gifts": False,
                "limited_gifts": False,
                "unique_gifts": False,
                "premium_subscription": False,
                "gifts_from_channels": False,
            },
        }


@dataclass
class StoredFile:
    """A file the fake holds: uploaded by the bot or sent by a user."""

    file_id: str
    file_unique_id: str
    kind: str  # "photo", "document", "sticker", "voice"
    data: bytes
    file_path: str
    file_name: str | None = None
    mime_type: str | None = None

    def to_file(self) -> dict[str, Any]:
        """Return the Bot API File object answered by getFile."""
        return {
            "file_id": self.file_id,
            "file_unique_id": self.file_unique_id,
            "file_size": len(self.data),
            "file_path": self.file_path,
        }


@dataclass
class SentMessage:
    """A message the bot sent, kept up to date when the bot edits or deletes it."""

    seq: int
    method: str
    chat_id: int
    message_id: int
    date: int
    message: dict[str, Any]
    text: str | None = None
    parse_mode: str | None = None
    source: str | None = None  # text or caption as the bot sent it, before parsing
    entities: list[dict[str, Any]] = field(default_factory=list)
    caption: str | None = None
    caption_entities: list[dict[str, Any]] = field(default_factory=list)
    reply_markup: dict[str, Any] | None = None
    photo: list[dict[str, Any]] | None = None
    document: dict[str, Any] | None = None
    reply_to_message_id: int | None = None
    edit_date: int | None = None
    edits: int = 0
    deleted: bool = False

    @property
    def buttons(self) -> list[dict[str, Any]]:
        """Return the inline keyboard buttons, row by row, flattened."""
        markup = self.reply_markup or {}
        return [b for row in markup.get("inline_keyboard", []) for b in row]

    @property
    def button_texts(self) -> list[str]:
        """Return the labels of all keyboard buttons (inline or reply keyboard)."""
        markup = self.reply_markup or {}
        rows = markup.get("inline_keyboard") or markup.get("keyboard") or []
        return [b["text"] if isinstance(b, dict) else b for row in rows for b in row]

    def to_dict(self) -> dict[str, Any]:
        """Return the record as plain JSON-able data."""
        return asdict(self)


@dataclass
class CallRecord:
    """One Bot API request the fake answered."""

    method: str
    params: dict[str, Any]
    status: int
    response: dict[str, Any]
    time: float
    unknown_params: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        """Return True if the call succeeded."""
        return self.status == 200

    def to_dict(self) -> dict[str, Any]:
        """Return the record as plain JSON-able data."""
        return asdict(self)


@dataclass
class CallbackState:
    """A callback query the bot has to answer once."""

    query_id: str
    user_id: int
    answer: dict[str, Any] | None = None


class Signal:
    """Lets coroutines wait until some state they watch changes, without polling."""

    def __init__(self) -> None:
        self._event = asyncio.Event()

    def fire(self) -> None:
        """Wake every waiter."""
        self._event.set()
        self._event = asyncio.Event()

    async def wait(self) -> None:
        """Wait for the next ``fire``."""
        await self._event.wait()

    async def wait_for(self, probe: Callable[[], T | None], timeout: float) -> T:
        """Return the first non-None ``probe()`` result; raise TimeoutError after ``timeout``."""
        async with asyncio.timeout(timeout):
            while True:
                event = self._event
                result = probe()
                if result is not None:
                    return result
                await event.wait()


def tiny_png(width: int = 2, height: int = 2) -> bytes:
    """Return a valid grey PNG image of the given size."""

    def chunk(kind: bytes, body: bytes) -> bytes:
        crc = zlib.crc32(kind + body) & 0xFFFFFFFF
        return struct.pack(">I", len(body)) + kind + body + struct.pack(">I", crc)

    header = struct.pack(">IIBBBBB", width, height, 8, 0, 0, 0, 0)
    rows = b"".join(b"\x00" + b"\x80" * width for _ in range(height))
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", header)
        + chunk(b"IDAT", zlib.compress(rows))
        + chunk(b"IEND", b"")
    )


def image_size(data: bytes) -> tuple[int, int] | None:
    """Return (width, height) of a PNG, GIF or JPEG image, or None if unrecognised."""
    if data.startswith(b"\x89PNG\r\n\x1a\n") and len(data) >= 24:
        return struct.unpack(">II", data[16:24])
    if data[:6] in (b"GIF87a", b"GIF89a") and len(data) >= 10:
        return struct.unpack("<HH", data[6:10])
    if data.startswith(b"\xff\xd8"):
        i = 2
        while i + 9 < len(data):
            if data[i] != 0xFF:
                return None
            marker = data[i + 1]
            length = struct.unpack(">H", data[i + 2 : i + 4])[0]
            if marker in (0xC0, 0xC1, 0xC2):
                height, width = struct.unpack(">HH", data[i + 5 : i + 9])
                return width, height
            i += 2 + length
    return None


class World:
    """Users, chats, messages, files and updates, plus the user-side control API."""

    def __init__(
        self,
        *,
        bot_id: int = DEFAULT_BOT_ID,
        bot_username: str = "daumoi_test_bot",
        bot_first_name: str = "Daumoi Test Bot",
        clock: Callable[[], float] = time.time,
    ) -> None:
        self.bot = User(bot_id, bot_first_name, username=bot_username, is_bot=True)
        self.clock = clock
        self.users: dict[int, User] = {}
        self.chats: dict[int, Chat] = {}
        self.files: dict[str, StoredFile] = {}
        self.files_by_path: dict[str, StoredFile] = {}
        self.photo_sets: dict[str, list[dict[str, Any]]] = {}  # file_id -> all its sizes
        self.messages: dict[tuple[int, int], dict[str, Any]] = {}
        self.callback_queries: dict[str, CallbackState] = {}
        self.commands: dict[tuple[str, str], list[dict[str, Any]]] = {}
        self.calls: list[CallRecord] = []
        self._sent: list[SentMessage] = []
        self._sent_by_id: dict[tuple[int, int], SentMessage] = {}
        self._consumed_messages: set[int] = set()
        self._consumed_calls: set[int] = set()
        self._ids = itertools.count(1_000_001)
        self._group_ids = itertools.count(1)
        self._file_ids = itertools.count(1)
        self._query_ids = itertools.count(1)
        self._next_update_id = 1
        self.pending: list[dict[str, Any]] = []
        self._redeliveries: list[dict[str, Any]] = []
        self._history: dict[int, dict[str, Any]] = {}
        self.confirmed_before = 0  # every update_id below this is confirmed
        self.updates_changed = Signal()
        self.activity = Signal()  # fired when the bot sends a message or makes any call

    # --- users and chats ------------------------------------------------------------------

    def now(self) -> int:
        """Return the current time as Telegram stamps it (integer epoch seconds)."""
        return int(self.clock())

    def add_user(
        self,
        first_name: str = "Test",
        *,
        id: int | None = None,
        last_name: str | None = None,
        username: str | None = None,
        language_code: str | None = "vi",
        phone_number: str | None = None,
    ) -> User:
        """Create a user and their private chat with the bot."""
        user_id = id if id is not None else next(self._ids)
        if user_id in self.users:
            raise ValueError(f"user {user_id} exists")
        user = User(user_id, first_name, last_name, username, language_code, False, phone_number)
        self.users[user_id] = user
        self.chats[user_id] = Chat(
            user_id, "private", username=username, first_name=first_name, last_name=last_name
        )
        return user

    def add_group(
        self,
        title: str,
        members: Iterable[User | int] = (),
        *,
        id: int | None = None,
        supergroup: bool = False,
        username: str | None = None,
        add_bot: bool = True,
        added_by: User | int | None = None,
    ) -> Chat:
        """Create a group whose first member is its creator; optionally add the bot to it."""
        chat_id = id
        if chat_id is None:
            number = next(self._group_ids)
            # supergroup ids carry Telegram's -100 prefix
            chat_id = -(1_001_000_000_000 + number) if supergroup else -(5_000_000 + number)
        chat = Chat(chat_id, "supergroup" if supergroup else "group", title, username)
        chat.bot_status = "left"
        for i, member in enumerate(members):
            chat.members[self.user(member).id] = "creator" if i == 0 else "member"
        self.chats[chat_id] = chat
        if add_bot:
            adder = added_by if added_by is not None else next(iter(chat.members), None)
            if adder is None:
                raise ValueError("a group with the bot needs a member to add it")
            self.add_bot_to_group(chat, adder)
        return chat

    def user(self, ref: User | int) -> User:
        """Resolve a user or user id."""
        user = self.users.get(ref.id if isinstance(ref, User) else ref)
        if user is None:
            raise LookupError(f"unknown user {ref!r}")
        return user

    def chat(self, ref: Chat | User | int) -> Chat:
        """Resolve a chat, chat id, or user (meaning their private chat)."""
        chat_id = ref.id if isinstance(ref, Chat | User) else ref
        chat = self.chats.get(chat_id)
        if chat is None:
            raise LookupError(f"unknown chat {ref!r}")
        return chat

    def _member_update(
        self, chat: Chat, by: User, subject: User, old: str, new: str, kind: str
    ) -> dict[str, Any]:
        def member(status: str) -> dict[str, Any]:
            data: dict[str, Any] = {"status": status, "user": subject.to_dict()}
            if status == "kicked":
                data["until_date"] = 0
            return data

        payload = {
            "chat": chat.to_dict(),
            "from": by.to_dict(),
            "date": self.now(),
            "old_chat_member": member(old),
            "new_chat_member": member(new),
        }
        return self.enqueue_update({kind: payload})

    def add_bot_to_group(self, chat: Chat | int, by: User | int) -> list[dict[str, Any]]:
        """Add the bot to a group: queues my_chat_member and a new_chat_members message."""
        group, adder = self.chat(chat), self.user(by)
        old, group.bot_status = group.bot_status, "member"
        group.members.setdefault(adder.id, "member")
        updates = [self._member_update(group, adder, self.bot, old, "member", "my_chat_member")]
        service = {"new_chat_members": [self.bot.to_dict()]}
        updates.append(self._user_message(adder, group, service))
        return updates

    def remove_bot_from_group(self, chat: Chat | int, by: User | int) -> dict[str, Any]:
        """Remove (kick) the bot from a group: queues my_chat_member."""
        group, remover = self.chat(chat), self.user(by)
        old, group.bot_status = group.bot_status, "kicked"
        return self._member_update(group, remover, self.bot, old, "kicked", "my_chat_member")

    def add_member(self, chat: Chat | int, user: User | int) -> list[dict[str, Any]]:
        """A user joins a group: queues chat_member and a new_chat_members message."""
        group, joiner = self.chat(chat), self.user(user)
        old = group.members.get(joiner.id, "left")
        group.members[joiner.id] = "member"
        return [
            self._member_update(group, joiner, joiner, old, "member", "chat_member"),
            self._user_message(joiner, group, {"new_chat_members": [joiner.to_dict()]}),
        ]

    def block_bot(self, user: User | int, *, notify: bool = True) -> None:
        """The user blocks the bot: sends to them fail with 403 from now on."""
        chat = self.chat(self.user(user).id)
        old, chat.bot_status = chat.bot_status, "kicked"
        if notify:
            self._member_update(chat, self.user(user), self.bot, old, "kicked", "my_chat_member")

    def unblock_bot(self, user: User | int, *, notify: bool = True) -> None:
        """The user unblocks the bot."""
        chat = self.chat(self.user(user).id)
        old, chat.bot_status = chat.bot_status, "member"
        if notify:
            self._member_update(chat, self.user(user), self.bot, old, "member", "my_chat_member")

    # --- the update queue -----------------------------------------------------------------

    def enqueue_update(self, payload: dict[str, Any]) -> dict[str, Any]:
        """Queue a raw update (any kind, without update_id); return it with its update_id."""
        update = {"update_id": self._next_update_id, **payload}
        self._next_update_id += 1
        self._history[update["update_id"]] = update
        self.pending.append(update)
        self.updates_changed.fire()
        return update

    def redeliver(self, update_id: int) -> dict[str, Any]:
        """Deliver an update again, same update_id, as Telegram does when a confirmation is lost.

        The copy is handed out by the next getUpdates even if its offset already confirmed it.
        """
        original = self._history.get(update_id)
        if original is None:
            raise LookupError(f"unknown update {update_id}")
        update = copy.deepcopy(original)
        self._redeliveries.append(update)
        self.updates_changed.fire()
        return update

    def confirm_before(self, offset: int) -> None:
        """Forget every pending update with an id below ``offset`` (getUpdates' offset)."""
        if offset <= self.confirmed_before:
            return
        self.confirmed_before = offset
        self.pending = [u for u in self.pending if u["update_id"] >= offset]
        self.updates_changed.fire()

    def keep_last(self, count: int) -> None:
        """Forget all but the last ``count`` pending updates (a negative getUpdates offset)."""
        dropped = self.pending[:-count]
        self.pending = self.pending[-count:]
        if dropped:
            self.confirmed_before = max(self.confirmed_before, dropped[-1]["update_id"] + 1)
            self.updates_changed.fire()

    def take_updates(self, limit: int, allowed: frozenset[str] | None) -> list[dict[str, Any]]:
        """Return up to ``limit`` deliverable updates; unwanted kinds are dropped."""
        batch = self._redeliveries[:limit]
        del self._redeliveries[:limit]
        kept = []
        for update in self.pending:
            kind = next(k for k in update if k != "update_id")
            if (kind in allowed) if allowed is not None else (kind not in OPT_IN_UPDATES):
                kept.append(update)
        self.pending = kept
        return batch + kept[: limit - len(batch)]

    async def wait_for_confirmed(self, update_id: int | None = None, timeout: float = 5.0) -> None:
        """Wait until the bot has confirmed ``update_id`` (default: every queued update)."""
        target = (self._next_update_id - 1) if update_id is None else update_id
        await self.updates_changed.wait_for(
            lambda: True if self.confirmed_before > target else None, timeout
        )

    # --- what users do --------------------------------------------------------------------

    def _resolve(self, user: User | int, chat: Chat | int | None) -> tuple[User, Chat]:
        sender = self.user(user)
        target = self.chat(sender.id if chat is None else chat)
        if target.is_group:
            target.members.setdefault(sender.id, "member")
        return sender, target

    def _user_message(
        self, sender: User, chat: Chat, content: dict[str, Any], reply_to: int | None = None
    ) -> dict[str, Any]:
        message = {
            "message_id": self.next_message_id(chat),
            "from": sender.to_dict(),
            "chat": chat.to_dict(),
            "date": self.now(),
            **content,
        }
        if reply_to is not None:
            replied = self.messages.get((chat.id, reply_to))
            if replied is None:
                raise LookupError(f"no message {reply_to} in chat {chat.id}")
            message["reply_to_message"] = replied
        self.messages[(chat.id, message["message_id"])] = message
        return self.enqueue_update({"message": message})

    def next_message_id(self, chat: Chat) -> int:
        """Allocate the next message id in a chat."""
        message_id = chat.next_message_id
        chat.next_message_id += 1
        return message_id

    def send_text(
        self,
        user: User | int,
        text: str,
        *,
        chat: Chat | int | None = None,
        reply_to: int | None = None,
    ) -> dict[str, Any]:
        """A user sends text (commands, links and mentions get entities like on Telegram)."""
        sender, target = self._resolve(user, chat)
        content: dict[str, Any] = {"text": text}
        entities = detect_entities(text)
        if entities:
            content["entities"] = entities
        return self._user_message(sender, target, content, reply_to)

    def edit_text(
        self, user: User | int, message_id: int, text: str, *, chat: Chat | int | None = None
    ) -> dict[str, Any]:
        """A user edits a text message they sent: queues edited_message."""
        sender, target = self._resolve(user, chat)
        original = self.messages.get((target.id, message_id))
        if original is None or original.get("from", {}).get("id") != sender.id:
            raise LookupError(f"user {sender.id} sent no message {message_id} in {target.id}")
        edited = {**original, "text": text, "edit_date": self.now()}
        edited.pop("entities", None)
        entities = detect_entities(text)
        if entities:
            edited["entities"] = entities
        self.messages[(target.id, message_id)] = edited
        return self.enqueue_update({"edited_message": edited})

    def send_contact(
        self,
        user: User | int,
        phone_number: str | None = None,
        *,
        of: User | int | None = None,
        first_name: str | None = None,
        last_name: str | None = None,
        with_user_id: bool = True,
        chat: Chat | int | None = None,
    ) -> dict[str, Any]:
        """A user shares a contact: their own by default, or ``of`` someone else's."""
        sender, target = self._resolve(user, chat)
        owner = sender if of is None else self.user(of)
        phone = phone_number or owner.phone_number
        if not phone:
            raise ValueError("a contact needs a phone number")
        contact: dict[str, Any] = {
            "phone_number": phone,
            "first_name": first_name or owner.first_name,
        }
        if (last_name or owner.last_name) is not None:
            contact["last_name"] = last_name or owner.last_name
        if with_user_id:
            contact["user_id"] = owner.id
        return self._user_message(sender, target, {"contact": contact})

    def store_file(
        self,
        kind: str,
        data: bytes,
        *,
        file_name: str | None = None,
        mime_type: str | None = None,
        extension: str = "",
    ) -> StoredFile:
        """Keep a file; return it with fresh file_id, file_unique_id and file_path."""
        number = next(self._file_ids)
        folder = {"photo": "photos", "document": "documents", "voice": "voice"}.get(kind, kind)
        suffix = extension or (
            file_name.rsplit(".", 1)[-1] if file_name and "." in file_name else ""
        )
        path = f"{folder}/file_{number}" + (f".{suffix}" if suffix else "")
        stored = StoredFile(
            f"fake-{kind}-{number:06d}", f"U{number:06d}", kind, data, path, file_name, mime_type
        )
        self.files[stored.file_id] = stored
        self.files_by_path[path] = stored
        return stored

    def store_photo(
        self, data: bytes, size: tuple[int, int] | None = None
    ) -> list[dict[str, Any]]:
        """Keep a photo; return its PhotoSize list (thumbnails first, like Telegram)."""
        width, height = size or image_size(data) or (800, 600)
        sizes = [(w, max(1, height * w // width)) for w in (90, 320, 800) if w < width]
        sizes.append((width, height))
        result = []
        for w, h in sizes:
            stored = self.store_file("photo", data, mime_type="image/jpeg", extension="jpg")
            result.append(
                {
                    "file_id": stored.file_id,
                    "file_unique_id": stored.file_unique_id,
                    "file_size": len(data),
                    "width": w,
                    "height": h,
                }
            )
        for size in result:
            self.photo_sets[size["file_id"]] = result
        return result

    def send_photo(
        self,
        user: User | int,
        data: bytes | None = None,
        *,
        caption: str | None = None,
        size: tuple[int, int] | None = None,
        chat: Chat | int | None = None,
    ) -> dict[str, Any]:
        """A user sends a photo (a small generated PNG unless ``data`` is given)."""
        sender, target = self._resolve(user, chat)
        content: dict[str, Any] = {"photo": self.store_photo(data or tiny_png(), size)}
        if caption:
            content["caption"] = caption
        return self._user_message(sender, target, content)

    def send_document(
        self,
        user: User | int,
        data: bytes = b"%PDF-1.4\n%fake\n",
        *,
        file_name: str = "document.pdf",
        mime_type: str = "application/pdf",
        caption: str | None = None,
        chat: Chat | int | None = None,
    ) -> dict[str, Any]:
        """A user sends a document."""
        sender, target = self._resolve(user, chat)
        stored = self.store_file("document", data, file_name=file_name, mime_type=mime_type)
        content: dict[str, Any] = {
            "document": {
                "file_id": stored.file_id,
                "file_unique_id": stored.file_unique_id,
                "file_name": file_name,
                "mime_type": mime_type,
                "file_size": len(data),
            }
        }
        if caption:
            content["caption"] = caption
        return self._user_message(sender, target, content)

    def send_sticker(
        self, user: User | int, emoji: str = "👍", *, chat: Chat | int | None = None
    ) -> dict[str, Any]:
        """A user sends a (static) sticker."""
        sender, target = self._resolve(user, chat)
        stored = self.store_file("sticker", tiny_png(), mime_type="image/webp", extension="webp")
        sticker = {
            "file_id": stored.file_id,
            "file_unique_id": stored.file_unique_id,
            "type": "regular",
            "width": 512,
            "height": 512,
            "is_animated": False,
            "is_video": False,
            "emoji": emoji,
            "file_size": len(stored.data),
        }
        return self._user_message(sender, target, {"sticker": sticker})

    def send_voice(
        self,
        user: User | int,
        duration: int = 2,
        *,
        data: bytes = b"OggS\x00fake-voice",
        chat: Chat | int | None = None,
    ) -> dict[str, Any]:
        """A user sends a voice message."""
        sender, target = self._resolve(user, chat)
        stored = self.store_file("voice", data, mime_type="audio/ogg", extension="oga")
        voice = {
            "file_id": stored.file_id,
            "file_unique_id": stored.file_unique_id,
            "duration": duration,
            "mime_type": "audio/ogg",
            "file_size": len(data),
        }
        return self._user_message(sender, target, {"voice": voice})

    def _sent_record(self, message: SentMessage | int, chat: Chat) -> SentMessage:
        if isinstance(message, SentMessage):
            return message
        record = self._sent_by_id.get((chat.id, message))
        if record is None:
            raise LookupError(f"the bot sent no message {message} in chat {chat.id}")
        return record

    def press_button(
        self,
        user: User | int,
        message: SentMessage | int,
        *,
        data: str | None = None,
        text: str | None = None,
        chat: Chat | int | None = None,
    ) -> dict[str, Any]:
        """A user presses an inline button (found by callback data or label) on a bot message."""
        if chat is None and isinstance(message, SentMessage):
            chat = message.chat_id
        sender, target = self._resolve(user, chat)
        record = self._sent_record(message, target)
        if record.deleted:
            raise LookupError(f"message {record.message_id} was deleted")
        for button in record.buttons:
            if "callback_data" not in button:
                continue
            if (data is None or button["callback_data"] == data) and (
                text is None or button["text"] == text
            ):
                return self._callback(sender, target, record, button["callback_data"])
        raise LookupError(
            f"no callback button data={data!r} text={text!r} on message {record.message_id}: "
            f"{record.buttons}"
        )

    def press_forged(
        self,
        user: User | int,
        message: SentMessage | int,
        data: str,
        *,
        chat: Chat | int | None = None,
    ) -> dict[str, Any]:
        """Send a callback query with arbitrary data, as a tampering client could."""
        if chat is None and isinstance(message, SentMessage):
            chat = message.chat_id
        sender, target = self._resolve(user, chat)
        return self._callback(sender, target, self._sent_record(message, target), data)

    def _callback(
        self, sender: User, chat: Chat, record: SentMessage, data: str
    ) -> dict[str, Any]:
        query_id = str(4_000_000_000_000 + next(self._query_ids))
        self.callback_queries[query_id] = CallbackState(query_id, sender.id)
        query = {
            "id": query_id,
            "from": sender.to_dict(),
            "message": copy.deepcopy(record.message),
            "chat_instance": str(abs(chat.id) * 7 + self.bot.id),
            "data": data,
        }
        return self.enqueue_update({"callback_query": query})

    # --- what the bot did -----------------------------------------------------------------

    def add_sent(self, record: SentMessage) -> SentMessage:
        """Register a message the bot sent and wake waiters."""
        self._sent.append(record)
        self._sent_by_id[(record.chat_id, record.message_id)] = record
        self.messages[(record.chat_id, record.message_id)] = record.message
        self.activity.fire()
        return record

    def sent_record(self, chat_id: int, message_id: int) -> SentMessage | None:
        """Return the record of a message the bot sent, if any."""
        return self._sent_by_id.get((chat_id, message_id))

    def new_seq(self) -> int:
        """Return the sequence number of the next sent message."""
        return len(self._sent)

    def sent_messages(
        self, chat_id: int | Chat | User | None = None, *, include_deleted: bool = True
    ) -> list[SentMessage]:
        """Return the bot's messages in sending order, optionally for one chat."""
        wanted = chat_id.id if isinstance(chat_id, Chat | User) else chat_id
        return [
            m
            for m in self._sent
            if (wanted is None or m.chat_id == wanted) and (include_deleted or not m.deleted)
        ]

    def last_message(self, chat_id: int | Chat | User | None = None) -> SentMessage | None:
        """Return the bot's latest message, optionally in one chat."""
        messages = self.sent_messages(chat_id)
        return messages[-1] if messages else None

    def calls_to(self, method: str) -> list[CallRecord]:
        """Return the logged calls of one method (case-insensitive)."""
        return [c for c in self.calls if c.method.lower() == method.lower()]

    async def wait_for_message(
        self,
        chat_id: int | Chat | User | None = None,
        *,
        timeout: float = 5.0,
        predicate: Callable[[SentMessage], bool] | None = None,
    ) -> SentMessage:
        """Wait for the bot's next message (in a chat, matching ``predicate``) and return it.

        Each message is returned by at most one wait, so successive waits see successive messages
        (including ones sent before the wait started). Raises TimeoutError.
        """
        wanted = chat_id.id if isinstance(chat_id, Chat | User) else chat_id

        def probe() -> SentMessage | None:
            for record in self._sent:
                if record.seq in self._consumed_messages:
                    continue
                if wanted is not None and record.chat_id != wanted:
                    continue
                if predicate is None or predicate(record):
                    self._consumed_messages.add(record.seq)
                    return record
            return None

        return await self.activity.wait_for(probe, timeout)

    async def wait_for_call(
        self,
        method: str,
        *,
        timeout: float = 5.0,
        predicate: Callable[[CallRecord], bool] | None = None,
    ) -> CallRecord:
        """Wait for the next call of ``method`` (matching ``predicate``); each returned once."""

        def probe() -> CallRecord | None:
            for index, call in enumerate(self.calls):
                if index in self._consumed_calls or call.method.lower() != method.lower():
                    continue
                if predicate is None or predicate(call):
                    self._consumed_calls.add(index)
                    return call
            return None

        return await self.activity.wait_for(probe, timeout)
