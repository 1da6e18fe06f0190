"""An async client for the Zalo Bot Platform API (``{base_url}/bot{token}/{method}``).

Every call is a POST with a JSON body. Zalo's HTTP status is unreliable (a bad token answers
HTTP 200 with ``error_code`` 401 in the body), so errors are read from the body: ``ok: false``
raises ``ZaloApiError`` (or a subclass by code); a body that is not a JSON object, a timeout or a
connection failure raises ``ZaloNetworkError``. The token is part of every URL, so it is redacted
from every exception message and never logged.
"""

from __future__ import annotations

import json
import logging
from types import TracebackType
from typing import Any

import aiohttp

log = logging.getLogger(__name__)

DEFAULT_BASE_URL = "https://bot-api.zaloplatforms.com"
MAX_TEXT = 2000  # characters, for text and captions
REQUEST_TIMEOUT = 30.0  # seconds, for calls other than getUpdates
POLL_MARGIN = 15.0  # seconds added to a long poll's own timeout
REDACTED = "<token>"


class ZaloError(Exception):
    """Base class of the Zalo client's errors."""


class ZaloNetworkError(ZaloError):
    """No usable answer: connection failure, timeout, or a body that is not a JSON object."""

    def __init__(self, message: str, method: str, http_status: int | None = None) -> None:
        super().__init__(message)
        self.method = method
        self.http_status = http_status


class ZaloApiError(ZaloError):
    """Zalo answered ``ok: false`` with this ``error_code`` and ``description``."""

    def __init__(self, error_code: int, description: str, method: str = "") -> None:
        super().__init__(f"{method or 'Zalo'}: error {error_code}: {description}")
        self.error_code = error_code
        self.description = description
        self.method = method


class ZaloUnauthorized(ZaloApiError):
    """Error 401: the token is invalid or was reset."""


class ZaloRateLimited(ZaloApiError):
    """Error 429: quota exceeded."""


class ZaloBadRequest(ZaloApiError):
    """Error 400 or 404: a wrong request, an unknown chat, or nothing to find."""


_ERROR_CLASSES: dict[int, type[ZaloApiError]] = {
    400: ZaloBadRequest,
    401: ZaloUnauthorized,
    404: ZaloBadRequest,
    429: ZaloRateLimited,
}


def api_error(error_code: int, description: str, method: str = "") -> ZaloApiError:
    """Return the ZaloApiError subclass instance that fits ``error_code``."""
    cls = _ERROR_CLASSES.get(error_code, ZaloApiError)
    return cls(error_code, description, method)


def redact(text: str, token: str) -> str:
    """Return ``text`` with the token (and its secret part) replaced by a placeholder."""
    if token:
        text = text.replace(token, REDACTED)
        secret = token.split(":", 1)[-1]
        if len(secret) >= 6:
            text = text.replace(secret, REDACTED)
    return text


def _error_from_body(method: str, body: dict[str, Any], status: int) -> ZaloApiError:
    code = body.get("error_code")
    if not isinstance(code, int) or isinstance(code, bool):
        code = status if status >= 400 else 0  # e.g. {"ok":false,"description":"Not Found"}
    description = str(body.get("description") or "no description")
    return api_error(code, description, method)


class ZaloApi:
    """The Zalo Bot API: ``get_me``, ``get_update``, webhook calls and sends.

    Pass an ``aiohttp.ClientSession`` to share one; otherwise the client opens its own, closed by
    ``close()`` or ``async with``.
    """

    def __init__(
        self,
        token: str,
        base_url: str = DEFAULT_BASE_URL,
        session: aiohttp.ClientSession | None = None,
        *,
        request_timeout: float = REQUEST_TIMEOUT,
    ) -> None:
        self._token = token
        self.base_url = base_url.rstrip("/")
        self._session = session
        self._own_session = session is None
        self.request_timeout = request_timeout

    def __repr__(self) -> str:
        return f"ZaloApi(base_url={self.base_url!r})"

    async def __aenter__(self) -> ZaloApi:
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        await self.close()

    async def close(self) -> None:
        """Close the session if the client opened it."""
        if self._own_session and self._session is not None:
            await self._session.close()
            self._session = None

    def _client(self) -> aiohttp.ClientSession:
        if self._session is None:
            self._session = aiohttp.ClientSession()
        return self._session

    def redact(self, text: str) -> str:
        """Return ``text`` with this client's token removed."""
        return redact(text, self._token)

    # --- transport ------------------------------------------------------------------------

    async def _post(
        self, method: str, params: dict[str, Any], timeout: float | None
    ) -> tuple[dict[str, Any], int]:
        url = f"{self.base_url}/bot{self._token}/{method}"
        limit = aiohttp.ClientTimeout(total=timeout or self.request_timeout)
        try:
            async with self._client().post(url, json=params, timeout=limit) as response:
                status, raw = response.status, await response.read()
        except (aiohttp.ClientError, TimeoutError) as exc:
            detail = self.redact(f"{type(exc).__name__}: {exc}")
            raise ZaloNetworkError(f"{method}: {detail}", method) from None
        log.debug("zalo %s answered HTTP %s", method, status)
        return _json_object(method, raw, status), status

    async def call(
        self, method: str, params: dict[str, Any] | None = None, timeout: float | None = None
    ) -> Any:
        """Call a method and return its ``result`` (None when absent); raise on ``ok: false``."""
        body, status = await self._post(method, params or {}, timeout)
        if body.get("ok") is not True:
            raise _error_from_body(method, body, status)
        return body.get("result")

    # --- methods --------------------------------------------------------------------------

    async def get_me(self) -> dict[str, Any]:
        """Return the bot's account (id, account_name, account_type, display_name, ...)."""
        return await self.call("getMe")

    async def get_update(self, timeout_s: float = 30) -> dict[str, Any] | list[Any] | None:
        """Long-poll for one event; return its raw result, or None when nothing new (408)."""
        params = {"timeout": str(int(timeout_s))}
        try:
            body, status = await self._post("getUpdates", params, timeout_s + POLL_MARGIN)
        except ZaloNetworkError as exc:
            if exc.http_status == 408:
                return None
            raise
        if body.get("ok") is True:
            return body.get("result") or None
        error = _error_from_body("getUpdates", body, status)
        if error.error_code == 408 or status == 408:
            return None
        raise error

    async def set_webhook(self, url: str, secret: str) -> dict[str, Any]:
        """Register the webhook URL and its 8-256 character secret; return {url, updated_at}."""
        return await self.call("setWebhook", {"url": url, "secret_token": secret})

    async def delete_webhook(self) -> dict[str, Any]:
        """Remove the webhook (needed before polling); return {url: "", updated_at}."""
        return await self.call("deleteWebhook")

    async def get_webhook_info(self) -> dict[str, Any] | None:
        """Return {url, updated_at} of the webhook, or None when none is set (Zalo's 404)."""
        try:
            return await self.call("getWebhookInfo")
        except ZaloBadRequest as exc:
            if exc.error_code == 404:
                return None
            raise

    async def send_message(self, chat_id: str, text: str) -> str:
        """Send 1-2000 characters of text to a chat; return the new message id."""
        result = await self.call("sendMessage", {"chat_id": str(chat_id), "text": text})
        return _message_id(result)

    async def send_photo(self, chat_id: str, photo_url: str, caption: str | None = None) -> str:
        """Send an image by its public http(s) URL, with an optional caption; return its id."""
        params = {"chat_id": str(chat_id), "photo": photo_url}
        if caption is not None:
            params["caption"] = caption
        return _message_id(await self.call("sendPhoto", params))

    async def send_chat_action(self, chat_id: str, action: str = "typing") -> None:
        """Show ``typing`` (or ``upload_photo``) in a chat."""
        await self.call("sendChatAction", {"chat_id": str(chat_id), "action": action})


def _json_object(method: str, raw: bytes, status: int) -> dict[str, Any]:
    try:
        body = json.loads(raw)
    except ValueError:
        body = None
    if not isinstance(body, dict):
        raise ZaloNetworkError(f"{method}: HTTP {status} without a JSON object", method, status)
    return body


def _message_id(result: Any) -> str:
    if isinstance(result, dict) and result.get("message_id") is not None:
        return str(result["message_id"])
    return ""
