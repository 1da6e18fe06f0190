"""The Bot API side of the fake Zalo: each method's validation and answer.

Validation follows the documented Zalo Bot Platform API (see docs/ and the research notes):
string chat ids, 1-2000 character texts and captions, photos by absolute http(s) URL only, no
keyboards, a required 8-256 character webhook secret.
"""

from __future__ import annotations

import hashlib
import time
from collections.abc import Callable
from dataclasses import asdict, dataclass
from typing import Any
from urllib.parse import urlsplit

from .world import SentMessage, World, new_hex_id

MAX_TEXT = 2000
SECRET_LENGTHS = (8, 256)
CHAT_ACTIONS = frozenset({"typing", "upload_photo"})
PARSE_MODES = frozenset({"markdown", "html"})
QUOTA_METHODS = frozenset({"sendMessage", "sendPhoto", "sendSticker"})
LOOPBACK_HOSTS = frozenset({"127.0.0.1", "localhost", "::1"})
#: Method name -> handler attribute. Names are case-sensitive, as on Zalo.
HANDLERS = {
    "getMe": "get_me",
    "getUpdates": "get_updates",
    "setWebhook": "set_webhook",
    "deleteWebhook": "delete_webhook",
    "getWebhookInfo": "get_webhook_info",
    "sendMessage": "send_message",
    "sendPhoto": "send_photo_method",
    "sendSticker": "send_sticker_method",
    "sendChatAction": "send_chat_action",
}


class ApiError(Exception):
    """A Zalo error answer: body ``error_code`` and ``description``, plus the HTTP status."""

    def __init__(self, error_code: int, description: str, http_status: int | None = None) -> None:
        super().__init__(description)
        self.error_code = error_code
        self.description = description
        self.http_status = error_code if http_status is None else http_status

    def to_dict(self) -> dict[str, Any]:
        """Return the JSON body Zalo answers with."""
        return {"ok": False, "error_code": self.error_code, "description": self.description}


class NoResult:
    """Marker result: the envelope is ``{"ok": true}`` with no ``result`` (sendChatAction)."""


NO_RESULT = NoResult()


def bad_request(text: str) -> ApiError:
    """Return a 400 error (HTTP 400)."""
    return ApiError(400, f"Bad Request: {text}")


def unauthorized() -> ApiError:
    """Return the 401 Zalo answers to a wrong token: in an HTTP 200 body."""
    return ApiError(401, "Unauthorized", http_status=200)


@dataclass
class Fault:
    """An injected error answer for the next ``times`` calls of a method (None: any method)."""

    method: str | None
    error_code: int
    description: str
    http_status: int = 200
    times: int = 1
    hits: int = 0

    def matches(self, method: str) -> bool:
        """Return True if the fault applies to this call."""
        return self.method is None or self.method == method

    def error(self) -> ApiError:
        """Return the error to answer with."""
        return ApiError(self.error_code, self.description, self.http_status)

    def to_dict(self) -> dict[str, Any]:
        """Return the record as plain JSON-able data."""
        return asdict(self)


def _required_str(params: dict[str, Any], key: str) -> str:
    value = params.get(key)
    if value is None or value == "":
        raise bad_request(f"{key} is required")
    if not isinstance(value, str):
        raise bad_request(f"{key} must be a string")
    return value


def _check_length(value: str, key: str) -> str:
    if not 1 <= len(value) <= MAX_TEXT:
        raise bad_request(f"{key} must be 1-{MAX_TEXT} characters")
    return value


def _reject_markup(params: dict[str, Any]) -> None:
    for key in params:
        if "markup" in key.lower() or "keyboard" in key.lower():
            raise bad_request(f"{key} is not supported")


def _absolute_http_url(value: str) -> bool:
    parts = urlsplit(value)
    return parts.scheme in ("http", "https") and bool(parts.hostname)


class ZaloMethods(World):
    """The Zalo Bot API methods over a World (getUpdates, which waits, is in the server)."""

    def __init__(
        self,
        token: str,
        *,
        bot_name: str,
        clock: Callable[[], float] = time.time,
        webhook_body: str = "wrapped",
        allow_http_webhook: bool = True,
        monthly_quota: int | None = None,
        delete_webhook_unset_error: bool = True,
    ) -> None:
        super().__init__(bot_name=bot_name, clock=clock, webhook_body=webhook_body)
        self.token = token
        self.allow_http_webhook = allow_http_webhook
        self.monthly_quota = monthly_quota
        self.quota_used = 0
        self.delete_webhook_unset_error = delete_webhook_unset_error
        self.webhook: dict[str, Any] | None = None  # url, secret_token, updated_at
        self.faults: list[Fault] = []
        self.chat_actions: list[tuple[str, str]] = []

    # --- identity -------------------------------------------------------------------------

    @property
    def bot_id(self) -> str:
        """Return the bot's numeric string id (the token's head when it is numeric)."""
        head = self.token.split(":", 1)[0]
        return head if head.isdigit() else "1459232241454765289"

    @property
    def account_name(self) -> str:
        """Return the bot's ``bot.xxx`` account name, stable for a token."""
        return "bot." + hashlib.sha256(self.token.encode()).hexdigest()[:9]

    def get_me(self, params: dict[str, Any]) -> dict[str, Any]:
        """getMe: the bot's account."""
        return {
            "id": self.bot_id,
            "account_name": self.account_name,
            "account_type": "BASIC",
            "can_join_groups": True,
            "display_name": self.bot_name,
        }

    # --- faults and quota -----------------------------------------------------------------

    def fail_next(
        self,
        method: str | None,
        error_code: int,
        description: str,
        http_status: int = 200,
        times: int = 1,
    ) -> Fault:
        """Answer the next ``times`` calls of ``method`` (None: any) with this error."""
        fault = Fault(method, error_code, description, http_status, times)
        self.faults.append(fault)
        return fault

    def clear_faults(self) -> None:
        """Remove every injected fault."""
        self.faults.clear()

    def apply_faults(self, method: str) -> None:
        """Raise the first matching injected fault, counting it down."""
        for fault in list(self.faults):
            if fault.matches(method):
                fault.hits += 1
                fault.times -= 1
                if fault.times <= 0:
                    self.faults.remove(fault)
                raise fault.error()

    def _check_quota(self) -> None:
        if self.monthly_quota is not None and self.quota_used >= self.monthly_quota:
            raise ApiError(429, "Quota exceeded", http_status=200)

    # --- webhook --------------------------------------------------------------------------

    def _check_webhook_url(self, url: str) -> None:
        parts = urlsplit(url)
        if parts.scheme == "https" and parts.hostname:
            return
        loopback = parts.hostname in LOOPBACK_HOSTS
        if parts.scheme == "http" and loopback and self.allow_http_webhook:
            return
        raise bad_request("url must be an https URL")

    def set_webhook(self, params: dict[str, Any]) -> dict[str, Any]:
        """setWebhook: an https url and a required 8-256 character secret_token."""
        url = _required_str(params, "url")
        self._check_webhook_url(url)
        secret = _required_str(params, "secret_token")
        low, high = SECRET_LENGTHS
        if not low <= len(secret) <= high:
            raise bad_request(f"secret_token must be {low}-{high} characters")
        self.webhook = {"url": url, "secret_token": secret, "updated_at": self.now_ms()}
        return {"url": url, "updated_at": self.webhook["updated_at"]}

    def delete_webhook(self, params: dict[str, Any]) -> dict[str, Any]:
        """deleteWebhook: ``{"url": "", "updated_at": ms}``; 400 when none is set (optional)."""
        if self.webhook is None and self.delete_webhook_unset_error:
            raise bad_request("webhook is not set")
        self.webhook = None
        return {"url": "", "updated_at": self.now_ms()}

    def get_webhook_info(self, params: dict[str, Any]) -> dict[str, Any]:
        """getWebhookInfo: url and updated_at; HTTP 404 "Not Found" when none is set."""
        if self.webhook is None:
            raise ApiError(404, "Not Found")
        return {"url": self.webhook["url"], "updated_at": self.webhook["updated_at"]}

    # --- sending --------------------------------------------------------------------------

    def _target(self, params: dict[str, Any]) -> str:
        chat_id = _required_str(params, "chat_id")
        if not self.is_chat(chat_id):
            raise ApiError(404, "Not Found: chat not found")
        return chat_id

    def _record_send(self, method: str, chat_id: str, **fields: Any) -> dict[str, Any]:
        record = SentMessage(
            len(self.sent), method, chat_id, new_hex_id(), self.now_ms(), self.clock(), **fields
        )
        self.quota_used += 1
        self.add_sent(record)
        return {"message_id": record.message_id, "date": record.date}

    def send_message(self, params: dict[str, Any]) -> dict[str, Any]:
        """sendMessage: a string chat_id and 1-2000 characters of text, no keyboards."""
        _reject_markup(params)
        chat_id = self._target(params)
        text = _check_length(_required_str(params, "text"), "text")
        parse_mode = params.get("parse_mode")
        if parse_mode is not None and str(parse_mode).lower() not in PARSE_MODES:
            raise bad_request("parse_mode must be markdown or html")
        self._check_quota()
        return self._record_send("sendMessage", chat_id, text=text, parse_mode=parse_mode)

    def send_photo_method(self, params: dict[str, Any]) -> dict[str, Any]:
        """sendPhoto: ``photo`` as an absolute http(s) URL, optional caption of 1-2000."""
        _reject_markup(params)
        chat_id = self._target(params)
        photo = _required_str(params, "photo")
        if not _absolute_http_url(photo):
            raise bad_request("photo must be an absolute http(s) URL")
        caption = params.get("caption")
        if caption is not None:
            if not isinstance(caption, str):
                raise bad_request("caption must be a string")
            _check_length(caption, "caption")
        self._check_quota()
        return self._record_send("sendPhoto", chat_id, photo=photo, caption=caption)

    def send_sticker_method(self, params: dict[str, Any]) -> dict[str, Any]:
        """sendSticker: a sticker id."""
        chat_id = self._target(params)
        sticker = _required_str(params, "sticker")
        self._check_quota()
        return self._record_send("sendSticker", chat_id, sticker=sticker)

    def send_chat_action(self, params: dict[str, Any]) -> NoResult:
        """sendChatAction: typing or upload_photo; answers ``{"ok": true}`` with no result."""
        chat_id = self._target(params)
        action = _required_str(params, "action")
        if action not in CHAT_ACTIONS:
            raise bad_request("action must be typing or upload_photo")
        self.chat_actions.append((chat_id, action))
        return NO_RESULT
