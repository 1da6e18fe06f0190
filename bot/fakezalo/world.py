"""The fake Zalo's state: users, groups, events, hosted media and what the bot did.

The user-side control methods (a user sends text, a photo, ...) live here; the Bot API side is in
``methods.py`` and the HTTP layer in ``server.py``.
"""

from __future__ import annotations

import copy
import secrets
import time
from collections.abc import Callable, Iterable
from dataclasses import asdict, dataclass, field
from typing import Any, TypeVar

from bot.fakeserver.world import Signal, tiny_png  # the same helpers as the Telegram fake

T = TypeVar("T")

NAME_FIELDS = ("display_name", "first_name", "name")
PHOTO_FIELDS = ("photo_url", "photo")
WEBHOOK_BODIES = ("wrapped", "unwrapped")
TEXT_EVENT = "message.text.received"
IMAGE_EVENT = "message.image.received"
STICKER_EVENT = "message.sticker.received"
UNSUPPORTED_EVENT = "message.unsupported.received"


def new_hex_id() -> str:
    """Return a random 20-hex-character id, the shape of Zalo user, chat and message ids."""
    return secrets.token_hex(10)


@dataclass
class User:
    """A Zalo user; ``name_field`` is the key the sender name travels under in events."""

    id: str
    display_name: str
    name_field: str = "display_name"
    is_bot: bool = False

    def sender(self) -> dict[str, Any]:
        """Return the ``message.from`` object of this user's events."""
        return {"id": self.id, self.name_field: self.display_name, "is_bot": self.is_bot}

    def to_dict(self) -> dict[str, Any]:
        """Return the record as plain JSON-able data."""
        return asdict(self)


@dataclass
class Group:
    """A group chat the bot was added to; ``members`` holds user ids."""

    id: str
    title: str
    members: list[str] = field(default_factory=list)

    def to_dict(self) -> dict[str, Any]:
        """Return the record as plain JSON-able data."""
        return asdict(self)


@dataclass
class SentMessage:
    """A message the bot sent (sendMessage, sendPhoto or sendSticker)."""

    seq: int
    method: str
    chat_id: str
    message_id: str
    date: int
    time: float
    text: str | None = None
    photo: str | None = None
    caption: str | None = None
    sticker: str | None = None
    parse_mode: str | None = None

    def to_dict(self) -> dict[str, Any]:
        """Return the record as plain JSON-able data."""
        return asdict(self)


@dataclass
class CallRecord:
    """One Bot API request the fake answered: method, parameters, HTTP status and body."""

    method: str
    params: dict[str, Any]
    status: int
    response: dict[str, Any]
    time: float

    @property
    def ok(self) -> bool:
        """Return True if the body said ``ok``."""
        return bool(self.response.get("ok"))

    def to_dict(self) -> dict[str, Any]:
        """Return the record as plain JSON-able data."""
        return asdict(self)


@dataclass
class Delivery:
    """One webhook POST of an event and how the bot answered it (status None: no answer)."""

    event: dict[str, Any]
    url: str
    body_shape: str
    secret_sent: str
    wrong_secret: bool
    status: int | None = None
    error: str | None = None
    time: float = 0.0

    @property
    def message_id(self) -> str:
        """Return the delivered event's message id."""
        return str(self.event.get("message", {}).get("message_id", ""))

    def to_dict(self) -> dict[str, Any]:
        """Return the record as plain JSON-able data."""
        return asdict(self)


@dataclass
class Media:
    """An image the fake hosts for the bot to download."""

    name: str
    data: bytes
    content_type: str


def image_type(data: bytes) -> tuple[str, str]:
    """Return (extension, content type) for image bytes, JPEG when unrecognised."""
    if data.startswith(b"\x89PNG\r\n\x1a\n"):
        return "png", "image/png"
    if data[:6] in (b"GIF87a", b"GIF89a"):
        return "gif", "image/gif"
    return "jpg", "image/jpeg"


class World:
    """Users, groups, events and records, plus the user-side control API."""

    def __init__(
        self,
        *,
        bot_name: str = "Bot Daumoi",
        clock: Callable[[], float] = time.time,
        webhook_body: str = "wrapped",
    ) -> None:
        if webhook_body not in WEBHOOK_BODIES:
            raise ValueError(f"webhook_body must be one of {WEBHOOK_BODIES}")
        self.bot_name = bot_name
        self.clock = clock
        self.webhook_body = webhook_body
        self.users: dict[str, User] = {}
        self.groups: dict[str, Group] = {}
        self.media: dict[str, Media] = {}
        self.sent: list[SentMessage] = []
        self.calls: list[CallRecord] = []
        self.deliveries: list[Delivery] = []
        self.events: list[dict[str, Any]] = []  # every event emitted, in order
        self.pending: list[dict[str, Any]] = []  # events queued for getUpdates
        self._consumed_messages: set[int] = set()
        self._consumed_deliveries: set[int] = set()
        self.activity = Signal()  # the bot sent, called, or a delivery finished
        self.updates_changed = Signal()  # an event was queued for getUpdates

    # --- time and urls --------------------------------------------------------------------

    def now_ms(self) -> int:
        """Return the current time as Zalo stamps it (integer epoch milliseconds)."""
        return int(self.clock() * 1000)

    @property
    def url(self) -> str:
        """Return the server root; the HTTP layer overrides this."""
        return "http://127.0.0.1:0"

    # --- users and chats ------------------------------------------------------------------

    def add_user(
        self, display_name: str = "Test", id: str | None = None, name_field: str = "display_name"
    ) -> User:
        """Create a user who can chat with the bot privately (chat id = user id)."""
        if name_field not in NAME_FIELDS:
            raise ValueError(f"name_field must be one of {NAME_FIELDS}")
        user_id = id if id is not None else new_hex_id()
        if user_id in self.users or user_id in self.groups:
            raise ValueError(f"id {user_id} exists")
        user = User(str(user_id), display_name, name_field)
        self.users[user.id] = user
        return user

    def add_group(
        self, title: str = "Group", id: str | None = None, members: Iterable[User | str] = ()
    ) -> Group:
        """Create a group the bot is in, with the given members."""
        group_id = id if id is not None else new_hex_id()
        if group_id in self.users or group_id in self.groups:
            raise ValueError(f"id {group_id} exists")
        group = Group(str(group_id), title, [self.user(m).id for m in members])
        self.groups[group.id] = group
        return group

    def user(self, ref: User | str) -> User:
        """Return a user by object or id; raise LookupError if unknown."""
        user_id = ref.id if isinstance(ref, User) else str(ref)
        if user_id not in self.users:
            raise LookupError(f"unknown user {user_id}")
        return self.users[user_id]

    def group(self, ref: Group | str) -> Group:
        """Return a group by object or id; raise LookupError if unknown."""
        group_id = ref.id if isinstance(ref, Group) else str(ref)
        if group_id not in self.groups:
            raise LookupError(f"unknown group {group_id}")
        return self.groups[group_id]

    def is_chat(self, chat_id: str) -> bool:
        """Return True if the bot can send to this chat id."""
        return chat_id in self.users or chat_id in self.groups

    # --- events from users ----------------------------------------------------------------

    def _message(self, user: User, chat: Group | str | None) -> dict[str, Any]:
        if chat is None:
            chat_part = {"id": user.id, "chat_type": "PRIVATE"}
        else:
            group = self.group(chat)
            if group.members and user.id not in group.members:
                raise ValueError(f"user {user.id} is not in group {group.id}")
            chat_part = {"id": group.id, "chat_type": "GROUP"}
        return {
            "from": user.sender(),
            "chat": chat_part,
            "message_id": new_hex_id(),
            "date": self.now_ms(),
        }

    def _mention(self, text: str | None) -> str:
        tag = f"@{self.bot_name}"
        if text and tag in text:
            return text
        return f"{tag} {text}" if text else tag

    def emit(
        self,
        event: dict[str, Any],
        *,
        webhook_body: str | None = None,
        wrong_secret: bool = False,
    ) -> dict[str, Any]:
        """Deliver an event (webhook POST if one is set, else queue it for getUpdates)."""
        self.events.append(event)
        self.dispatch(copy.deepcopy(event), webhook_body or self.webhook_body, wrong_secret)
        return event

    def dispatch(self, event: dict[str, Any], body_shape: str, wrong_secret: bool) -> None:
        """Queue an event for getUpdates; the HTTP layer adds webhook delivery."""
        self.pending.append(event)
        self.updates_changed.fire()

    def _send(
        self,
        event_name: str,
        user: User | str,
        chat: Group | str | None,
        mention: bool,
        content: dict[str, Any],
        options: dict[str, Any],
    ) -> dict[str, Any] | None:
        sender = self.user(user)
        message = self._message(sender, chat)
        if chat is not None and not mention:
            return None  # in a group Zalo only delivers messages that mention the bot
        message.update({k: v for k, v in content.items() if v is not None})
        return self.emit({"event_name": event_name, "message": message}, **options)

    def send_text(
        self,
        user: User | str,
        text: str,
        chat: Group | str | None = None,
        mention: bool = False,
        *,
        webhook_body: str | None = None,
        wrong_secret: bool = False,
    ) -> dict[str, Any] | None:
        """A user sends text (in a group: only delivered with ``mention``); return the event."""
        body = self._mention(text) if chat is not None and mention else text
        options = {"webhook_body": webhook_body, "wrong_secret": wrong_secret}
        return self._send(TEXT_EVENT, user, chat, mention, {"text": body}, options)

    def host_image(self, data: bytes) -> str:
        """Host image bytes at ``{url}/media/<id>.<ext>`` and return that URL."""
        ext, content_type = image_type(data)
        name = f"{new_hex_id()}.{ext}"
        self.media[name] = Media(name, data, content_type)
        return f"{self.url}/media/{name}"

    def send_photo(
        self,
        user: User | str,
        image_bytes: bytes | None = None,
        caption: str | None = None,
        field: str = "photo_url",
        chat: Group | str | None = None,
        mention: bool = False,
        *,
        webhook_body: str | None = None,
        wrong_secret: bool = False,
    ) -> dict[str, Any] | None:
        """A user sends an image, hosted by the fake, its URL under ``field``; return the event."""
        if field not in PHOTO_FIELDS:
            raise ValueError(f"field must be one of {PHOTO_FIELDS}")
        url = self.host_image(image_bytes if image_bytes is not None else tiny_png())
        if chat is not None and mention:
            caption = self._mention(caption)
        options = {"webhook_body": webhook_body, "wrong_secret": wrong_secret}
        content = {field: url, "caption": caption}
        return self._send(IMAGE_EVENT, user, chat, mention, content, options)

    def send_sticker(
        self,
        user: User | str,
        sticker: str = "bfe458bf64fa8da4d4eb",
        chat: Group | str | None = None,
        mention: bool = False,
        *,
        webhook_body: str | None = None,
        wrong_secret: bool = False,
    ) -> dict[str, Any] | None:
        """A user sends a sticker (an id plus a sticker URL); return the event."""
        content = {"sticker": sticker, "url": f"{self.url}/media/stickers/{sticker}.webp"}
        options = {"webhook_body": webhook_body, "wrong_secret": wrong_secret}
        return self._send(STICKER_EVENT, user, chat, mention, content, options)

    def send_unsupported(
        self,
        user: User | str,
        chat: Group | str | None = None,
        *,
        webhook_body: str | None = None,
        wrong_secret: bool = False,
    ) -> dict[str, Any] | None:
        """A protected user writes: the bot gets an event with no content; return it."""
        options = {"webhook_body": webhook_body, "wrong_secret": wrong_secret}
        return self._send(UNSUPPORTED_EVENT, user, chat, True, {}, options)

    def enqueue_event(
        self, event: dict[str, Any], *, webhook_body: str | None = None, wrong_secret: bool = False
    ) -> dict[str, Any]:
        """Deliver a raw event as given (for malformed or future event shapes)."""
        return self.emit(event, webhook_body=webhook_body, wrong_secret=wrong_secret)

    def resend_last(
        self, *, webhook_body: str | None = None, wrong_secret: bool = False
    ) -> dict[str, Any]:
        """Deliver the last event again, identical (same message_id), as a duplicate."""
        if not self.events:
            raise LookupError("no event to resend")
        event = copy.deepcopy(self.events[-1])
        return self.emit(event, webhook_body=webhook_body, wrong_secret=wrong_secret)

    # --- what the bot did -----------------------------------------------------------------

    def add_sent(self, record: SentMessage) -> SentMessage:
        """Register a message the bot sent and wake waiters."""
        self.sent.append(record)
        self.activity.fire()
        return record

    def messages_to(self, chat_id: User | Group | str | None = None) -> list[SentMessage]:
        """Return the bot's messages in sending order, optionally to one chat."""
        wanted = _chat_id(chat_id)
        return [m for m in self.sent if wanted is None or m.chat_id == wanted]

    def last_message(self, chat_id: User | Group | str | None = None) -> SentMessage | None:
        """Return the bot's latest message, optionally in one chat."""
        messages = self.messages_to(chat_id)
        return messages[-1] if messages else None

    def calls_to(self, method: str) -> list[CallRecord]:
        """Return the logged calls of one method."""
        return [c for c in self.calls if c.method == method]

    async def wait_for_message(
        self,
        chat_id: User | Group | str | None = None,
        timeout: float = 10.0,
        predicate: Callable[[SentMessage], bool] | None = None,
    ) -> SentMessage:
        """Wait for the bot's next message to a chat; each message is returned by one wait."""
        wanted = _chat_id(chat_id)

        def probe() -> SentMessage | None:
            for record in self.sent:
                if record.seq in self._consumed_messages:
                    continue
                if wanted is not None and record.chat_id != wanted:
                    continue
                if predicate is None or predicate(record):
                    self._consumed_messages.add(record.seq)
                    return record
            return None

        return await self.activity.wait_for(probe, timeout)

    async def wait_for_delivery(self, timeout: float = 10.0) -> Delivery:
        """Wait for the next finished webhook delivery; each is returned by one wait."""

        def probe() -> Delivery | None:
            for index, delivery in enumerate(self.deliveries):
                if index not in self._consumed_deliveries:
                    self._consumed_deliveries.add(index)
                    return delivery
            return None

        return await self.activity.wait_for(probe, timeout)


def _chat_id(ref: User | Group | str | None) -> str | None:
    if ref is None:
        return None
    return ref.id if isinstance(ref, User | Group) else str(ref)
