"""A fake Telegram Bot API HTTP server (aiohttp) for end-to-end tests and a sandbox."""

from __future__ import annotations

import asyncio
import base64
import inspect
import json
import logging
import time
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass
from types import TracebackType
from typing import Any

from aiohttp import web

from .limits import FLOOD_METHODS, FloodControl, FloodLimits
from .methods import HANDLERS, BotApiMethods
from .spec import ApiError, Spec, Upload, bad_request
from .webhook import WebhookPusher
from .world import DEFAULT_BOT_ID, CallRecord

log = logging.getLogger(__name__)

MAX_UPLOAD_SIZE = 50 * 1024 * 1024
_DEFAULT_DESCRIPTIONS = {
    403: "Forbidden: bot was blocked by the user",
    500: "Internal Server Error",
    502: "Bad Gateway",
    503: "Service Unavailable",
    504: "Gateway Timeout",
}
_CONFLICT_OTHER_POLL = (
    "Conflict: terminated by other getUpdates request; make sure that only one bot instance is "
    "running"
)
_CONFLICT_WEBHOOK = (
    "Conflict: can't use getUpdates method while webhook is active; use deleteWebhook to delete "
    "the webhook first"
)
#: World methods callable as POST /control/<name> with a JSON object of keyword arguments.
CONTROL_ACTIONS = frozenset(
    {
        "add_user",
        "add_group",
        "add_bot_to_group",
        "remove_bot_from_group",
        "add_member",
        "block_bot",
        "unblock_bot",
        "send_text",
        "edit_text",
        "send_contact",
        "send_photo",
        "send_document",
        "send_sticker",
        "send_voice",
        "press_button",
        "press_forged",
        "redeliver",
        "enqueue_update",
        "fail_next",
        "flood_chat",
        "set_delay",
        "clear_faults",
        "enable_flood_control",
        "disable_flood_control",
    }
)


@dataclass
class Fault:
    """An injected failure or delay for matching calls (by method and/or chat)."""

    method: str | None = None
    chat_id: int | str | None = None
    times: int | None = 1  # None: until cleared
    status: int | None = 502  # None: only delay
    description: str | None = None
    retry_after: int | None = None
    delay: float = 0.0
    sends_only: bool = False  # only calls that send or edit messages
    hits: int = 0

    def matches(self, method: str, chat_id: Any) -> bool:
        """Return True if the fault applies to this call."""
        if self.method is not None and self.method.lower() != method.lower():
            return False
        if self.sends_only and method.lower() not in FLOOD_METHODS:
            return False
        return self.chat_id is None or self.chat_id == chat_id

    def error(self) -> ApiError | None:
        """Return the error to answer with, if the fault is not just a delay."""
        if self.status is None:
            return None
        if self.status == 429:
            retry = self.retry_after or 1
            text = self.description or f"Too Many Requests: retry after {retry}"
            return ApiError(429, text, {"retry_after": retry})
        text = self.description or _DEFAULT_DESCRIPTIONS.get(self.status, f"Error {self.status}")
        return ApiError(self.status, text)


def _token_from_id(token: str | None) -> int:
    head = (token or "").split(":", 1)[0]
    return int(head) if head.isdigit() else DEFAULT_BOT_ID


def _jsonable(value: Any) -> Any:
    if hasattr(value, "to_dict"):
        return value.to_dict()
    if isinstance(value, list | tuple):
        return [_jsonable(v) for v in value]
    return True if value is None else value


def _dumps(value: Any) -> str:
    return json.dumps(value, ensure_ascii=False, default=_describe_upload)


def _describe_upload(value: Any) -> Any:
    if isinstance(value, Upload):
        return {
            "filename": value.filename,
            "content_type": value.content_type,
            "size": len(value.data),
        }
    raise TypeError(f"not JSON serialisable: {type(value).__name__}")


class FakeBotApi(BotApiMethods):
    """A stateful fake of the Telegram Bot API, served over HTTP on 127.0.0.1.

    Use as ``async with FakeBotApi() as api`` or with ``start()``/``stop()``, and point
    python-telegram-bot at ``api.base_url`` and ``api.base_file_url``.
    """

    def __init__(
        self,
        token: str | None = None,
        *,
        bot_id: int | None = None,
        bot_username: str = "daumoi_test_bot",
        bot_first_name: str = "Daumoi Test Bot",
        host: str = "127.0.0.1",
        port: int = 0,
        clock: Callable[[], float] = time.time,
        monotonic: Callable[[], float] = time.monotonic,
        flood_limits: FloodLimits | None = None,
        spec: Spec | None = None,
        strict_params: bool = False,
        check_results: bool = True,
        max_poll_timeout: float = 50.0,
        control_api: bool = True,
    ) -> None:
        super().__init__(
            bot_id=bot_id if bot_id is not None else _token_from_id(token),
            bot_username=bot_username,
            bot_first_name=bot_first_name,
            clock=clock,
        )
        self.token = token
        self.host = host
        self.port = port
        self.spec = spec or Spec.load()
        self.monotonic = monotonic
        self.flood: FloodControl | None = None
        if flood_limits is not None:
            self.enable_flood_control(flood_limits)
        self.strict_params = strict_params
        self.check_results = check_results
        self.max_poll_timeout = max_poll_timeout
        self.control_api = control_api
        self.faults: list[Fault] = []
        self.allowed_updates: frozenset[str] | None = None
        self.status_counts: Counter[int] = Counter()
        self.in_flight = 0  # API calls (long polls aside) received and not yet answered
        self.result_problems: list[str] = []
        self._poll_generation = 0
        self.polls_waiting = 0
        self._closing = False
        self._runner: web.AppRunner | None = None
        self.pusher: WebhookPusher | None = None

    # --- lifecycle ------------------------------------------------------------------------

    @property
    def url(self) -> str:
        """Return the server root, e.g. ``http://127.0.0.1:PORT``."""
        return f"http://{self.host}:{self.port}"

    @property
    def base_url(self) -> str:
        """Return the value for ``ApplicationBuilder().base_url(...)``."""
        return f"{self.url}/bot"

    @property
    def base_file_url(self) -> str:
        """Return the value for ``ApplicationBuilder().base_file_url(...)``."""
        return f"{self.url}/file/bot"

    def make_app(self) -> web.Application:
        """Build the aiohttp application (Bot API, file downloads and control routes)."""
        app = web.Application(client_max_size=MAX_UPLOAD_SIZE)
        app.router.add_route("*", "/bot{token}/{method}", self._handle_api)
        app.router.add_get("/file/bot{token}/{path:.+}", self._handle_file)
        if self.control_api:
            app.router.add_get("/control/state", self._control_state)
            app.router.add_get("/control/sent", self._control_sent)
            app.router.add_get("/control/calls", self._control_calls)
            app.router.add_post("/control/{action}", self._control_action)
        return app

    async def start(self) -> None:
        """Start serving; with port 0 a free port is picked and stored in ``port``."""
        self._closing = False
        self._runner = web.AppRunner(self.make_app(), access_log=None, shutdown_timeout=1.0)
        await self._runner.setup()
        await web.TCPSite(self._runner, self.host, self.port).start()
        self.port = self._runner.addresses[0][1]

    async def stop(self) -> None:
        """End pending long polls and webhook deliveries, and stop serving."""
        self._closing = True
        self.updates_changed.fire()
        await self._stop_pusher()
        if self._runner is not None:
            await self._runner.cleanup()
            self._runner = None

    async def __aenter__(self) -> FakeBotApi:
        await self.start()
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        await self.stop()

    # --- webhook delivery ------------------------------------------------------------------

    async def set_webhook(self, params: dict[str, Any]) -> bool:
        """setWebhook: from now on, pending updates are POSTed to the URL (see webhook.py)."""
        await self._stop_pusher()
        result = super().set_webhook(params)
        if "allowed_updates" in params:
            self.allowed_updates = frozenset(params["allowed_updates"]) or None
        if self.webhook_url:
            self.pusher = WebhookPusher(self, self.webhook_url, params.get("secret_token"))
            self.pusher.start()
        return result

    async def delete_webhook(self, params: dict[str, Any]) -> bool:
        """deleteWebhook: stop delivering; getUpdates works again."""
        await self._stop_pusher()
        return super().delete_webhook(params)

    async def _stop_pusher(self) -> None:
        pusher, self.pusher = self.pusher, None
        if pusher is not None:
            await pusher.stop()

    # --- faults and flood control ---------------------------------------------------------

    def inject_fault(self, fault: Fault) -> Fault:
        """Add a fault; it applies to matching calls until its ``times`` run out."""
        self.faults.append(fault)
        return fault

    def fail_next(
        self,
        method: str | None = None,
        times: int = 1,
        status: int = 502,
        description: str | None = None,
        chat_id: int | None = None,
    ) -> Fault:
        """Fail the next ``times`` matching calls with ``status`` (502 Bad Gateway by default)."""
        return self.inject_fault(Fault(method, chat_id, times, status, description))

    def flood_chat(
        self, chat_id: int | None = None, retry_after: int = 5, times: int | None = 1
    ) -> Fault:
        """Answer 429 with ``retry_after`` to sends (to one chat, or all with None)."""
        return self.inject_fault(
            Fault(None, chat_id, times, 429, retry_after=retry_after, sends_only=True)
        )

    def set_delay(
        self, seconds: float, method: str | None = None, chat_id: int | None = None
    ) -> Fault:
        """Answer matching calls only after ``seconds`` (until cleared)."""
        return self.inject_fault(Fault(method, chat_id, None, None, delay=seconds))

    def clear_faults(self) -> None:
        """Remove every injected fault."""
        self.faults.clear()

    def enable_flood_control(self, limits: FloodLimits | None = None) -> None:
        """Rate-limit sends like Telegram (429 with retry_after when exceeded)."""
        self.flood = FloodControl(limits or FloodLimits(), self.monotonic)

    def disable_flood_control(self) -> None:
        """Stop rate-limiting."""
        self.flood = None

    @property
    def retry_after_count(self) -> int:
        """Return how many 429 Too Many Requests answers were given."""
        return self.status_counts[429]

    async def _apply_faults(self, method: str, params: dict[str, Any]) -> None:
        for fault in list(self.faults):
            if not fault.matches(method, params.get("chat_id")):
                continue
            fault.hits += 1
            if fault.times is not None:
                fault.times -= 1
                if fault.times <= 0:
                    self.faults.remove(fault)
            if fault.delay:
                await asyncio.sleep(fault.delay)
            error = fault.error()
            if error is not None:
                raise error

    def _apply_flood(self, method: str, params: dict[str, Any]) -> None:
        if self.flood is None or not self.flood.applies_to(method):
            return
        chat_id = params.get("chat_id")
        chat = self.chats.get(chat_id) if isinstance(chat_id, int) else None
        if chat is None:
            return
        retry = self.flood.acquire(chat.id, chat.is_group)
        if retry is not None:
            raise ApiError(429, f"Too Many Requests: retry after {retry}", {"retry_after": retry})

    # --- the Bot API endpoint -------------------------------------------------------------

    async def _read_params(self, request: web.Request) -> tuple[dict[str, Any], dict[str, Upload]]:
        raw: dict[str, Any] = dict(request.query)
        uploads: dict[str, Upload] = {}
        if not request.body_exists:
            return raw, uploads
        if request.content_type == "application/json":
            try:
                body = await request.json()
            except ValueError:
                raise bad_request("can't parse JSON request body") from None
            if not isinstance(body, dict):
                raise bad_request("JSON object expected in the request body")
            raw.update(body)
        elif request.content_type in ("application/x-www-form-urlencoded", "multipart/form-data"):
            form = await request.post()
            for key, value in form.items():
                if key in raw or key in uploads:
                    continue
                if isinstance(value, web.FileField):
                    data = value.file.read()
                    uploads[key] = Upload(value.filename, value.content_type, data)
                else:
                    raw[key] = value
        return raw, uploads

    def _authorised(self, token: str) -> bool:
        return self.token is None or token == self.token

    async def _handle_api(self, request: web.Request) -> web.Response:
        # A long poll waits by design; only calls that do something count as in flight.
        counted = request.match_info["method"].lower() != "getupdates"
        self.in_flight += counted
        try:
            return await self._answer_api(request)
        finally:
            self.in_flight -= counted

    async def settled(self, timeout: float = 5.0) -> None:
        """Wait until every call received so far (long polls aside) is answered and recorded."""
        deadline = asyncio.get_running_loop().time() + timeout
        while self.in_flight and asyncio.get_running_loop().time() < deadline:
            await asyncio.sleep(0.01)

    async def _answer_api(self, request: web.Request) -> web.Response:
        name = request.match_info["method"]
        params: dict[str, Any] = {}
        unknown: list[str] = []
        try:
            if not self._authorised(request.match_info["token"]):
                raise ApiError(401, "Unauthorized")
            method = self.spec.method(name)
            if method is None or name.lower() not in HANDLERS:
                if name.lower() in self.spec.all_method_names:
                    raise ApiError(404, f"Not Found: method {name} is not implemented by the fake")
                raise ApiError(404, "Not Found: method not found")
            name = method.name
            raw, uploads = await self._read_params(request)
            params, unknown = self.spec.coerce_params(method, raw, uploads)
            if unknown and self.strict_params:
                raise bad_request(f"unknown parameter {unknown[0]}")
            await self._apply_faults(name, params)
            self._apply_flood(name, params)
            result = getattr(self, HANDLERS[name.lower()])(params)
            if inspect.isawaitable(result):
                result = await result
            body: dict[str, Any] = {"ok": True, "result": result}
            status = 200
            if self.check_results:
                self._check_result(method.name, method.returns, result)
        except ApiError as exc:
            body, status = exc.to_dict(), exc.status
        except ConnectionResetError:
            # The client hung up while sending (a bot cancelling its long poll at shutdown):
            # nobody is there to answer, and it is no fault of the server's results.
            raise
        except Exception as exc:
            log.exception("fake Bot API failed on %s", name)
            self.result_problems.append(f"{name}: internal error {exc!r}")
            body, status = (
                {"ok": False, "error_code": 500, "description": "Internal Server Error"},
                500,
            )
        self._record(name, params, status, body, unknown)
        return web.json_response(body, status=status, dumps=_dumps)

    def _record(
        self,
        method: str,
        params: dict[str, Any],
        status: int,
        body: dict[str, Any],
        unknown: list[str],
    ) -> None:
        logged = {
            k: _describe_upload(v) if isinstance(v, Upload) else v for k, v in params.items()
        }
        self.calls.append(CallRecord(method, logged, status, body, self.clock(), unknown))
        self.status_counts[status] += 1
        self.activity.fire()

    def _check_result(self, method: str, returns: tuple[str, ...], result: Any) -> None:
        attempts = [self.spec.check_result(t, result) for t in returns]
        if attempts and all(attempts):
            problems = min(attempts, key=len)
            log.warning("fake Bot API answered %s with an invalid result: %s", method, problems)
            self.result_problems.extend(f"{method}: {p}" for p in problems)

    async def get_updates(self, params: dict[str, Any]) -> list[dict[str, Any]]:
        """getUpdates with real offsets, limit, allowed_updates and long polling."""
        if self.webhook_url:
            raise ApiError(409, _CONFLICT_WEBHOOK)
        self._poll_generation += 1
        generation = self._poll_generation
        self.updates_changed.fire()  # a pending older poll now ends with 409
        offset = params.get("offset", 0)
        if offset > 0:
            self.confirm_before(offset)
        elif offset < 0:
            self.keep_last(-offset)
        if "allowed_updates" in params:
            self.allowed_updates = frozenset(params["allowed_updates"]) or None
        limit = min(max(params.get("limit", 100), 1), 100)
        timeout = min(max(params.get("timeout", 0), 0), self.max_poll_timeout)
        loop = asyncio.get_running_loop()
        deadline = loop.time() + timeout
        while True:
            if generation != self._poll_generation:
                raise ApiError(409, _CONFLICT_OTHER_POLL)
            batch = self.take_updates(limit, self.allowed_updates)
            remaining = deadline - loop.time()
            if batch or self._closing or remaining <= 0:
                return batch
            self.polls_waiting += 1
            self.activity.fire()
            try:
                async with asyncio.timeout(remaining):
                    await self.updates_changed.wait()
            except TimeoutError:
                pass
            finally:
                self.polls_waiting -= 1

    async def wait_for_poll(self, timeout: float = 5.0) -> None:
        """Wait until a getUpdates long poll is waiting for updates (the bot is idle)."""
        await self.activity.wait_for(lambda: True if self.polls_waiting else None, timeout)

    # --- downloads ------------------------------------------------------------------------

    async def _handle_file(self, request: web.Request) -> web.Response:
        if not self._authorised(request.match_info["token"]):
            return web.json_response(ApiError(401, "Unauthorized").to_dict(), status=401)
        stored = self.files_by_path.get(request.match_info["path"])
        if stored is None:
            return web.json_response(ApiError(404, "Not Found").to_dict(), status=404)
        return web.Response(
            body=stored.data, content_type=stored.mime_type or "application/octet-stream"
        )

    # --- HTTP control API -----------------------------------------------------------------

    async def _control_state(self, request: web.Request) -> web.Response:
        state = {
            "bot": self.bot.to_dict(),
            "users": [u.to_dict() for u in self.users.values()],
            "chats": [c.to_dict() for c in self.chats.values()],
            "pending_updates": len(self.pending),
            "commands": [
                {"scope": json.loads(scope), "language_code": lang, "commands": cmds}
                for (scope, lang), cmds in self.commands.items()
            ],
            "retry_after_count": self.retry_after_count,
        }
        return web.json_response({"ok": True, "result": state}, dumps=_dumps)

    async def _control_sent(self, request: web.Request) -> web.Response:
        chat_id = request.query.get("chat_id")
        messages = self.sent_messages(int(chat_id) if chat_id else None)
        return web.json_response({"ok": True, "result": _jsonable(messages)}, dumps=_dumps)

    async def _control_calls(self, request: web.Request) -> web.Response:
        method = request.query.get("method")
        calls = self.calls_to(method) if method else self.calls
        return web.json_response({"ok": True, "result": _jsonable(calls)}, dumps=_dumps)

    async def _control_action(self, request: web.Request) -> web.Response:
        action = request.match_info["action"]
        if action not in CONTROL_ACTIONS:
            return web.json_response({"ok": False, "description": "unknown action"}, status=404)
        try:
            kwargs = await request.json() if request.body_exists else {}
            if not isinstance(kwargs, dict):
                raise ValueError("a JSON object of keyword arguments is expected")
            if isinstance(kwargs.get("data"), str):
                kwargs["data"] = base64.b64decode(kwargs["data"])
            if isinstance(kwargs.get("size"), list):
                kwargs["size"] = tuple(kwargs["size"])
            if action == "enable_flood_control":
                kwargs = {"limits": FloodLimits(**kwargs)} if kwargs else {}
            result = getattr(self, action)(**kwargs)
        except (LookupError, ValueError, TypeError) as exc:
            return web.json_response({"ok": False, "description": str(exc)}, status=400)
        return web.json_response({"ok": True, "result": _jsonable(result)}, dumps=_dumps)
