"""A fake Zalo Bot API HTTP server (aiohttp) for tests and a sandbox."""

from __future__ import annotations

import asyncio
import base64
import contextlib
import inspect
import json
import logging
import time
from collections.abc import Callable
from types import TracebackType
from typing import Any

import aiohttp
from aiohttp import web

from .methods import HANDLERS, NO_RESULT, ApiError, ZaloMethods, bad_request, unauthorized
from .world import CallRecord, Delivery

log = logging.getLogger(__name__)

SECRET_HEADER = "X-Bot-Api-Secret-Token"  # noqa: S105 - a header name, not a secret
#: World methods callable as POST /control/<name> with a JSON object of keyword arguments.
CONTROL_ACTIONS = frozenset(
    {
        "add_user",
        "add_group",
        "send_text",
        "send_photo",
        "send_sticker",
        "send_unsupported",
        "enqueue_event",
        "resend_last",
        "fail_next",
        "clear_faults",
    }
)
_WEBHOOK_ACTIVE = "webhook is active; call deleteWebhook before getUpdates"


def _jsonable(value: Any) -> Any:
    if hasattr(value, "to_dict"):
        return value.to_dict()
    if isinstance(value, list | tuple):
        return [_jsonable(v) for v in value]
    return value


def _poll_timeout(params: dict[str, Any]) -> float:
    value = params.get("timeout", 30)
    if isinstance(value, bool):
        raise bad_request("timeout must be a number of seconds")
    try:
        seconds = float(value)
    except (TypeError, ValueError):
        raise bad_request("timeout must be a number of seconds") from None
    if seconds < 0:
        raise bad_request("timeout must not be negative")
    return seconds


class FakeZaloApi(ZaloMethods):
    """A stateful fake of the Zalo Bot Platform API, served over HTTP on 127.0.0.1.

    Use as ``async with FakeZaloApi() as api`` and point the bot at ``api.url``; it calls
    ``{url}/bot{token}/{method}``.
    """

    def __init__(
        self,
        token: str = "1234567890:zalo-test-secret",  # noqa: S107 - a fake's test token
        bot_name: str = "Bot Daumoi",
        *,
        host: str = "127.0.0.1",
        port: int = 0,
        clock: Callable[[], float] = time.time,
        allow_http_webhook: bool = True,
        webhook_body: str = "wrapped",
        monthly_quota: int | None = None,
        delete_webhook_unset_error: bool = True,
        max_poll_timeout: float = 60.0,
        delivery_timeout: float = 10.0,
        control_api: bool = True,
    ) -> None:
        super().__init__(
            token,
            bot_name=bot_name,
            clock=clock,
            webhook_body=webhook_body,
            allow_http_webhook=allow_http_webhook,
            monthly_quota=monthly_quota,
            delete_webhook_unset_error=delete_webhook_unset_error,
        )
        self.host = host
        self.port = port
        self.max_poll_timeout = max_poll_timeout
        self.delivery_timeout = delivery_timeout
        self.control_api = control_api
        self.polls_waiting = 0
        self._closing = False
        self._runner: web.AppRunner | None = None
        self._session: aiohttp.ClientSession | None = None
        self._outbox: asyncio.Queue[tuple[dict[str, Any], str, bool]] = asyncio.Queue()
        self._worker: asyncio.Task[None] | None = None

    # --- lifecycle ------------------------------------------------------------------------

    @property
    def url(self) -> str:
        """Return the server root, e.g. ``http://127.0.0.1:PORT``."""
        return f"http://{self.host}:{self.port}"

    def method_url(self, method: str, token: str | None = None) -> str:
        """Return ``{url}/bot{token}/{method}``."""
        return f"{self.url}/bot{self.token if token is None else token}/{method}"

    def make_app(self) -> web.Application:
        """Build the aiohttp application (Bot API, hosted media and control routes)."""
        app = web.Application()
        app.router.add_route("*", "/bot{token}/{method}", self._handle_api)
        app.router.add_get("/media/{name:.+}", self._handle_media)
        if self.control_api:
            app.router.add_get("/control/state", self._control_state)
            app.router.add_get("/control/sent", self._control_sent)
            app.router.add_get("/control/calls", self._control_calls)
            app.router.add_get("/control/deliveries", self._control_deliveries)
            app.router.add_post("/control/{action}", self._control_action)
        return app

    async def start(self) -> None:
        """Start serving; with port 0 a free port is picked and stored in ``port``."""
        self._closing = False
        self._runner = web.AppRunner(self.make_app(), access_log=None, shutdown_timeout=1.0)
        await self._runner.setup()
        await web.TCPSite(self._runner, self.host, self.port).start()
        self.port = self._runner.addresses[0][1]
        timeout = aiohttp.ClientTimeout(total=self.delivery_timeout)
        self._session = aiohttp.ClientSession(timeout=timeout)
        self._worker = asyncio.create_task(self._deliver_forever())

    async def stop(self) -> None:
        """End pending long polls, stop delivering and stop serving."""
        self._closing = True
        self.updates_changed.fire()
        if self._worker is not None:
            self._worker.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._worker
            self._worker = None
        if self._session is not None:
            await self._session.close()
            self._session = None
        if self._runner is not None:
            await self._runner.cleanup()
            self._runner = None

    async def __aenter__(self) -> FakeZaloApi:
        await self.start()
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        await self.stop()

    # --- the Bot API endpoint -------------------------------------------------------------

    async def _read_params(self, request: web.Request) -> tuple[dict[str, Any], list[str]]:
        params: dict[str, Any] = dict(request.query)
        uploads: list[str] = []
        if not request.body_exists:
            return params, uploads
        if request.content_type == "application/json":
            try:
                body = await request.json()
            except ValueError:
                raise bad_request("can't parse JSON request body") from None
            if not isinstance(body, dict):
                raise bad_request("a JSON object is expected in the request body")
            params.update(body)
        elif request.content_type in ("application/x-www-form-urlencoded", "multipart/form-data"):
            for key, value in (await request.post()).items():
                if isinstance(value, web.FileField):
                    uploads.append(key)
                else:
                    params[key] = value
        return params, uploads

    async def _answer(self, name: str, request: web.Request, params: dict[str, Any]) -> Any:
        if request.match_info["token"] != self.token:
            raise unauthorized()
        if name not in HANDLERS:
            raise bad_request("invalid API name")
        parsed, uploads = await self._read_params(request)
        params.update(parsed)
        if uploads:
            raise bad_request(f"file uploads are not supported ({uploads[0]}); send a URL")
        self.apply_faults(name)
        result = getattr(self, HANDLERS[name])(params)
        return await result if inspect.isawaitable(result) else result

    async def _handle_api(self, request: web.Request) -> web.Response:
        name = request.match_info["method"]
        params: dict[str, Any] = {}
        try:
            result = await self._answer(name, request, params)
            body: dict[str, Any] = {"ok": True}
            if result is not NO_RESULT:
                body["result"] = result
            status = 200
        except ApiError as exc:
            body, status = exc.to_dict(), exc.http_status
        except ConnectionResetError:
            raise  # the client hung up mid-request (a poll cancelled at shutdown)
        except Exception:
            log.exception("fake Zalo API failed on %s", name)
            body = {"ok": False, "error_code": 500, "description": "Internal Server Error"}
            status = 500
        self._record(name, params, status, body)
        return web.json_response(body, status=status)

    def _record(self, method: str, params: dict[str, Any], status: int, body: dict) -> None:
        self.calls.append(CallRecord(method, dict(params), status, body, self.clock()))
        self.activity.fire()

    async def get_updates(self, params: dict[str, Any]) -> dict[str, Any]:
        """getUpdates: ONE event, or HTTP 408 "Request timeout" when none came in time."""
        if self.webhook is not None:
            raise bad_request(_WEBHOOK_ACTIVE)
        timeout = min(_poll_timeout(params), self.max_poll_timeout)
        loop = asyncio.get_running_loop()
        deadline = loop.time() + timeout
        while True:
            if self.pending:
                return self.pending.pop(0)
            remaining = deadline - loop.time()
            if self._closing or remaining <= 0:
                raise ApiError(408, "Request timeout")
            await self._wait_for_event(remaining)

    async def _wait_for_event(self, remaining: float) -> None:
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
        """Wait until a getUpdates long poll is waiting for events (the bot is idle)."""
        await self.activity.wait_for(lambda: True if self.polls_waiting else None, timeout)

    async def wait_for_call(self, method: str, timeout: float = 5.0, after: int = 0) -> Any:
        """Wait until the bot has called ``method`` (beyond the first ``after`` calls of it)."""

        def probe() -> Any:
            calls = self.calls_to(method)
            return calls[after] if len(calls) > after else None

        return await self.activity.wait_for(probe, timeout)

    # --- webhook delivery -----------------------------------------------------------------

    def dispatch(self, event: dict[str, Any], body_shape: str, wrong_secret: bool) -> None:
        """POST the event to the webhook when one is set, else queue it for getUpdates."""
        if self.webhook is None:
            super().dispatch(event, body_shape, wrong_secret)
            return
        self._outbox.put_nowait((event, body_shape, wrong_secret))

    async def _deliver_forever(self) -> None:
        while True:
            event, body_shape, wrong_secret = await self._outbox.get()
            await self._deliver(event, body_shape, wrong_secret)

    async def _deliver(self, event: dict[str, Any], body_shape: str, wrong_secret: bool) -> None:
        webhook = self.webhook
        if webhook is None:  # deleted meanwhile: fall back to the poll queue
            super().dispatch(event, body_shape, wrong_secret)
            return
        secret = webhook["secret_token"]
        sent_secret = "not-" + secret if wrong_secret else secret
        body = {"ok": True, "result": event} if body_shape == "wrapped" else event
        record = Delivery(event, webhook["url"], body_shape, sent_secret, wrong_secret)
        assert self._session is not None
        try:
            headers = {SECRET_HEADER: sent_secret}
            async with self._session.post(webhook["url"], json=body, headers=headers) as response:
                record.status = response.status
                await response.read()
        except (aiohttp.ClientError, TimeoutError) as exc:
            record.error = f"{type(exc).__name__}: {exc}"
        record.time = self.clock()
        self.deliveries.append(record)
        self.activity.fire()

    # --- hosted media ---------------------------------------------------------------------

    async def _handle_media(self, request: web.Request) -> web.Response:
        media = self.media.get(request.match_info["name"])
        if media is None:
            return web.Response(status=404, text="Not Found")
        return web.Response(body=media.data, content_type=media.content_type)

    # --- HTTP control API -----------------------------------------------------------------

    def state(self) -> dict[str, Any]:
        """Return a JSON-able summary of the fake's state."""
        webhook = None
        if self.webhook is not None:
            webhook = {"url": self.webhook["url"], "updated_at": self.webhook["updated_at"]}
        return {
            "bot": self.get_me({}),
            "users": [u.to_dict() for u in self.users.values()],
            "groups": [g.to_dict() for g in self.groups.values()],
            "webhook": webhook,
            "pending_events": len(self.pending),
            "polls_waiting": self.polls_waiting,
            "quota_used": self.quota_used,
            "monthly_quota": self.monthly_quota,
        }

    async def _control_state(self, request: web.Request) -> web.Response:
        return web.json_response({"ok": True, "result": self.state()})

    async def _control_sent(self, request: web.Request) -> web.Response:
        messages = self.messages_to(request.query.get("chat_id"))
        return web.json_response({"ok": True, "result": _jsonable(messages)})

    async def _control_calls(self, request: web.Request) -> web.Response:
        method = request.query.get("method")
        calls = self.calls_to(method) if method else self.calls
        return web.json_response({"ok": True, "result": _jsonable(calls)})

    async def _control_deliveries(self, request: web.Request) -> web.Response:
        return web.json_response({"ok": True, "result": _jsonable(self.deliveries)})

    async def _control_action(self, request: web.Request) -> web.Response:
        action = request.match_info["action"]
        if action not in CONTROL_ACTIONS:
            return web.json_response({"ok": False, "description": "unknown action"}, status=404)
        try:
            kwargs = await request.json() if request.body_exists else {}
            if not isinstance(kwargs, dict):
                raise ValueError("a JSON object of keyword arguments is expected")
            if isinstance(kwargs.get("image_base64"), str):
                kwargs["image_bytes"] = base64.b64decode(kwargs.pop("image_base64"))
            result = getattr(self, action)(**kwargs)
        except (LookupError, ValueError, TypeError) as exc:
            return web.json_response({"ok": False, "description": str(exc)}, status=400)
        return web.json_response({"ok": True, "result": _jsonable(result)}, dumps=json.dumps)
