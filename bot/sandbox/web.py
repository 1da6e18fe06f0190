"""The sandbox's web app (aiohttp): a static page, a JSON API and a server-sent event stream."""

from __future__ import annotations

import json
import re
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any
from urllib.parse import quote, unquote, urlsplit

from aiohttp import BodyPartReader, web

from bot.fakeserver.world import image_size
from bot.sandbox.personas import Persona
from bot.sandbox.session import (
    MAX_CAPTION,
    MAX_UPLOAD_BYTES,
    Sandbox,
    SandboxError,
    upload_limit_message,
)
from bot.texts import LOCALES, catalogue, fill_vocabulary, t

STATIC = Path(__file__).parent / "static"
SANDBOX_KEY = web.AppKey("sandbox", Sandbox)
STREAMS_KEY = web.AppKey("streams", "Streams")
LIMIT_KEY = web.AppKey("upload_limit", int)
MAX_JSON_BYTES = 64 * 1024
MAX_FIELD_BYTES = 16 * 1024
MULTIPART_SLACK = 64 * 1024  # room for the multipart envelope around the file
KEEPALIVE_SECONDS = 15.0
_CSP = (
    "default-src 'self'; img-src 'self' data: blob:; script-src 'self'; style-src 'self'; "
    "connect-src 'self'; object-src 'none'; base-uri 'none'; form-action 'none'; "
    "frame-ancestors 'none'"
)
_IMAGE_TYPES = {b"\x89PNG": "image/png", b"\xff\xd8": "image/jpeg", b"GIF8": "image/gif"}

Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]


def texts(lang: str) -> dict[str, str]:
    """Return the page's strings in one language (the ``sandbox`` table, keys without prefix)."""
    prefix = "sandbox."
    return {k[len(prefix) :]: fill_vocabulary(v, lang)
            for k, v in catalogue(lang).items() if k.startswith(prefix)}


def _error(message: str, status: int) -> web.Response:
    return web.json_response({"ok": False, "error": message}, status=status)


@web.middleware
async def _guard(request: web.Request, handler: Handler) -> web.StreamResponse:
    # Another web site must not be able to post into a sandbox running on the visitor's machine.
    origin = request.headers.get("Origin")
    writes = request.method not in ("GET", "HEAD")
    if writes and origin and urlsplit(origin).netloc != request.host:
        return _error(t("sandbox.err_cross_origin", request.app[SANDBOX_KEY].lang), 403)
    try:
        response = await handler(request)
    except SandboxError as exc:
        response = _error(str(exc), exc.status)
    response.headers.setdefault("Content-Security-Policy", _CSP)
    response.headers.setdefault("X-Content-Type-Options", "nosniff")
    response.headers.setdefault("Referrer-Policy", "no-referrer")
    response.headers.setdefault("X-Frame-Options", "DENY")
    return response


def _sandbox(request: web.Request) -> Sandbox:
    return request.app[SANDBOX_KEY]


async def _body(request: web.Request) -> dict[str, Any]:
    sandbox = _sandbox(request)
    if request.content_type != "application/json":
        raise SandboxError(t("sandbox.err_bad_request", sandbox.lang), 415)
    if (request.content_length or 0) > MAX_JSON_BYTES:
        raise SandboxError(t("sandbox.err_bad_request", sandbox.lang), 413)
    try:
        body = await request.json()
    except ValueError:
        body = None
    if not isinstance(body, dict):
        raise SandboxError(t("sandbox.err_bad_request", sandbox.lang))
    return body


def _str(body: dict[str, Any], name: str) -> str:
    value = body.get(name)
    return value if isinstance(value, str) else ""


# --- pages and files ---------------------------------------------------------------------------


async def index(request: web.Request) -> web.FileResponse:
    """Serve the page."""
    return web.FileResponse(STATIC / "index.html", headers={"Cache-Control": "no-cache"})


async def get_texts(request: web.Request) -> web.Response:
    """Serve the page's strings in the language asked for."""
    lang = request.query.get("lang", "vi")
    return web.json_response(texts(lang if lang in LOCALES else "vi"))


async def get_state(request: web.Request) -> web.Response:
    """Serve personas, plan, clock and limits (and each chat's campaign, read afresh)."""
    sandbox = _sandbox(request)
    await sandbox.read_campaigns()
    return web.json_response(sandbox.state())


async def get_file(request: web.Request) -> web.Response:
    """Serve a file held by the fake server: images inline, anything else as a download."""
    data, name, mime = _sandbox(request).file(request.match_info["file_id"])
    image = next((kind for magic, kind in _IMAGE_TYPES.items() if data.startswith(magic)), None)
    headers = {"Cache-Control": "private, max-age=3600"}
    if image and image_size(data) and "download" not in request.query:
        return web.Response(body=data, content_type=image, headers=headers)
    name = name or request.match_info["file_id"]
    fallback = re.sub(r"[^A-Za-z0-9._-]", "_", name) or "file"
    headers["Content-Disposition"] = (
        f"attachment; filename=\"{fallback}\"; filename*=UTF-8''{quote(name)}"
    )
    headers["Content-Security-Policy"] = "sandbox; default-src 'none'"
    return web.Response(
        body=data, content_type=mime or "application/octet-stream", headers=headers
    )


async def get_zalo_media(request: web.Request) -> web.Response:
    """Serve an image a persona sent on Zalo (the fake Zalo hosts it)."""
    data, content_type = _sandbox(request).zalo_media(request.match_info["name"])
    return web.Response(
        body=data, content_type=content_type, headers={"Cache-Control": "private, max-age=3600"}
    )


async def get_zalo_photo(request: web.Request) -> web.Response:
    """Serve a picture the bot sent on Zalo by link (fetched from the bot's own web server)."""
    sandbox = _sandbox(request)
    try:
        seq = int(request.match_info["seq"])
    except ValueError:
        raise SandboxError(t("sandbox.err_no_file", sandbox.lang), 404) from None
    data = await sandbox.zalo_photo(seq)
    kind = next((kind for magic, kind in _IMAGE_TYPES.items() if data.startswith(magic)), None)
    return web.Response(
        body=data,
        content_type=kind or "application/octet-stream",
        headers={"Cache-Control": "private, max-age=3600"},
    )


# --- what personas do --------------------------------------------------------------------------


async def post_send(request: web.Request) -> web.Response:
    """A persona types a message."""
    body = await _body(request)
    message_id = _sandbox(request).send_text(
        _str(body, "persona"), _str(body, "text"), body.get("as")
    )
    return web.json_response({"ok": True, "message_id": message_id})


async def post_invite(request: web.Request) -> web.Response:
    """A focal point opens their invite (sends ``/start <code>``)."""
    body = await _body(request)
    message_id = _sandbox(request).use_invite(_str(body, "persona"))
    return web.json_response({"ok": True, "message_id": message_id})


async def post_contact(request: web.Request) -> web.Response:
    """A persona shares their own phone number."""
    body = await _body(request)
    message_id = _sandbox(request).share_contact(_str(body, "persona"))
    return web.json_response({"ok": True, "message_id": message_id})


async def post_press(request: web.Request) -> web.Response:
    """A persona presses an inline button."""
    body = await _body(request)
    message_id = body.get("message_id")
    if not isinstance(message_id, int):
        raise SandboxError(t("sandbox.err_bad_request", _sandbox(request).lang))
    toast = await _sandbox(request).press(
        _str(body, "persona"), message_id, _str(body, "data"), body.get("as")
    )
    return web.json_response({"ok": True, "toast": toast})


async def _read_part(part: Any, limit: int, refusal: SandboxError) -> bytes:
    data = bytearray()
    while chunk := await part.read_chunk(256 * 1024):
        data += chunk
        if len(data) >= limit:
            raise refusal
    return bytes(data)


async def post_upload(request: web.Request) -> web.Response:
    """A persona sends a photo or a document (multipart: persona, as, caption, file)."""
    sandbox = _sandbox(request)
    limit = request.app[LIMIT_KEY]
    too_big = SandboxError(upload_limit_message(sandbox.lang), 413)
    if (request.content_length or 0) >= limit + MULTIPART_SLACK:
        raise too_big
    if request.content_type != "multipart/form-data":
        raise SandboxError(t("sandbox.err_bad_request", sandbox.lang), 415)
    reader = await request.multipart()
    fields: dict[str, str] = {}
    data: bytes | None = None
    filename, content_type = "", None
    bad_field = SandboxError(t("sandbox.err_bad_request", sandbox.lang))
    while (part := await reader.next()) is not None:
        if not isinstance(part, BodyPartReader):
            raise bad_field  # a nested multipart
        if part.name == "file" and data is None:
            # Browsers and aiohttp percent-encode some characters of a file name.
            filename = unquote(part.filename or "")
            content_type = part.headers.get("Content-Type")
            data = await _read_part(part, limit, too_big)
        elif part.name in ("persona", "as", "caption"):
            raw = await _read_part(part, MAX_FIELD_BYTES, bad_field)
            fields[part.name] = raw.decode("utf-8", errors="replace")
        else:
            raise bad_field
    if data is None:
        raise SandboxError(t("sandbox.err_empty_file", sandbox.lang))
    if len(fields.get("caption", "")) > MAX_CAPTION:
        raise SandboxError(t("sandbox.err_too_long", sandbox.lang, limit=MAX_CAPTION))
    message_id = sandbox.upload(
        fields.get("persona", ""),
        data,
        filename=filename,
        content_type=content_type,
        caption=fields.get("caption"),
        as_user=fields.get("as"),
    )
    return web.json_response({"ok": True, "message_id": message_id})


# --- the sandbox itself ------------------------------------------------------------------------


async def post_clock(request: web.Request) -> web.Response:
    """Move the simulated clock (hour, day, next, to) and run the scheduler."""
    body = await _body(request)
    clock = await _sandbox(request).advance(_str(body, "action"), _str(body, "to") or None)
    return web.json_response({"ok": True, "clock": clock})


async def post_lang(request: web.Request) -> web.Response:
    """Switch the page and the personas' Telegram language."""
    body = await _body(request)
    await _sandbox(request).set_lang(_str(body, "lang"))
    return web.json_response({"ok": True, "lang": _sandbox(request).lang})


async def get_menu(request: web.Request) -> web.Response:
    """Serve the bot's command menu for a persona's chat."""
    return web.json_response(_sandbox(request).menu(request.query.get("persona", "")))


async def get_outbox(request: web.Request) -> web.Response:
    """Serve the outbox log (newest first)."""
    sandbox = _sandbox(request)
    return web.json_response({"rows": sandbox.outbox, "error": sandbox.outbox_error})


async def get_messages(request: web.Request) -> web.Response:
    """Serve a persona's chat at once (the stream sends the same, then every change)."""
    sandbox = _sandbox(request)
    persona = sandbox.persona(request.query.get("persona", ""))
    return web.json_response(
        {"messages": sandbox.chat(persona), "keyboard": sandbox.keyboard(persona)}
    )


class Streams:
    """The web app's open event streams, told to end when the server shuts down."""

    def __init__(self) -> None:
        self.closing = False


async def _end_streams(app: web.Application) -> None:
    # Open streams would otherwise hold the server's shutdown until its timeout.
    app[STREAMS_KEY].closing = True
    app[SANDBOX_KEY].changed.fire()


class ChatStream:
    """What one open page has been told about a persona's chat, to send it only the changes."""

    _UNSET: Any = object()

    def __init__(self, sandbox: Sandbox, persona: Persona, streams: Streams) -> None:
        self.sandbox = sandbox
        self.persona = persona
        self.streams = streams
        self.sent: dict[int, str] = {}
        self.seen: dict[str, Any] = {}
        self.started = False

    def _changed(self, name: str, value: Any) -> bool:
        if self.seen.get(name, self._UNSET) == value:
            return False
        self.seen[name] = value
        return True

    def pending(self) -> list[tuple[str, Any]] | None:
        """Return the events this page has not had yet, or None if it is up to date."""
        sandbox = self.sandbox
        if sandbox.closing or self.streams.closing:
            return [("bye", {})]
        events: list[tuple[str, Any]] = []
        if self._changed("lang", sandbox.lang):
            events.append(("lang", {"lang": sandbox.lang}))
        current: set[int] = set()
        for message in sandbox.chat(self.persona):
            encoded = json.dumps(message, ensure_ascii=False)
            current.add(message["message_id"])
            if self.sent.get(message["message_id"]) != encoded:
                self.sent[message["message_id"]] = encoded
                events.append(("message", message))
        for gone in set(self.sent) - current:
            del self.sent[gone]
            events.append(("delete", {"message_id": gone}))
        keyboard = sandbox.keyboard(self.persona)
        if self._changed("keyboard", keyboard):
            events.append(("keyboard", {"keyboard": keyboard}))
        clock = sandbox.clock_state()
        if self._changed("clock", clock):
            events.append(("clock", clock))
        if self._changed("outbox", sandbox.outbox_version):
            events.append(("outbox", {"rows": sandbox.outbox, "error": sandbox.outbox_error}))
        if sandbox.several and self._changed("campaigns", sandbox.campaigns):
            events.append(("campaigns", sandbox.campaigns))
        by_persona = sandbox.counts()
        if self._changed("counts", by_persona):
            events.append(("counts", by_persona))
        if not self.started:
            self.started = True
            events.append(("ready", {}))
        return events or None


def _event(name: str, data: Any) -> bytes:
    return f"event: {name}\ndata: {json.dumps(data, ensure_ascii=False)}\n\n".encode()


async def get_stream(request: web.Request) -> web.StreamResponse:
    """Server-sent events for one persona's chat: its messages, keyboard, clock and outbox."""
    sandbox = _sandbox(request)
    persona = sandbox.persona(request.query.get("persona", ""))
    stream = ChatStream(sandbox, persona, request.app[STREAMS_KEY])
    response = web.StreamResponse(
        headers={
            "Content-Type": "text/event-stream",
            "Cache-Control": "no-cache",
            "X-Accel-Buffering": "no",
            "Content-Security-Policy": _CSP,
            "X-Content-Type-Options": "nosniff",
        }
    )
    await response.prepare(request)
    try:
        await response.write(b"retry: 1000\n\n")
        while True:
            try:
                events = await sandbox.changed.wait_for(stream.pending, KEEPALIVE_SECONDS)
            except TimeoutError:
                await response.write(b": keepalive\n\n")
                continue
            for name, data in events:
                await response.write(_event(name, data))
            if events[-1][0] == "bye":
                break
    except (ConnectionResetError, ConnectionError):
        pass  # the tab was closed
    return response


async def favicon(request: web.Request) -> web.FileResponse:
    """The tab's icon (browsers ask for /favicon.ico whatever the page says)."""
    return web.FileResponse(STATIC / "favicon.svg", headers={"Content-Type": "image/svg+xml"})


def make_web_app(sandbox: Sandbox, *, upload_limit: int = MAX_UPLOAD_BYTES) -> web.Application:
    """Build the sandbox's aiohttp application."""
    # The upload handler streams and enforces the exact limit; this is aiohttp's outer guard.
    app = web.Application(client_max_size=upload_limit + MULTIPART_SLACK, middlewares=[_guard])
    app[SANDBOX_KEY] = sandbox
    app[LIMIT_KEY] = upload_limit
    app[STREAMS_KEY] = Streams()
    app.on_shutdown.append(_end_streams)
    app.router.add_get("/", index)
    app.router.add_get("/favicon.ico", favicon)
    app.router.add_static("/static/", STATIC, show_index=False)
    app.router.add_get("/api/texts", get_texts)
    app.router.add_get("/api/state", get_state)
    app.router.add_get("/api/stream", get_stream)
    app.router.add_get("/api/messages", get_messages)
    app.router.add_get("/api/menu", get_menu)
    app.router.add_get("/api/outbox", get_outbox)
    app.router.add_get("/api/file/{file_id}", get_file)
    app.router.add_get("/api/zalo/media/{name}", get_zalo_media)
    app.router.add_get("/api/zalo/photo/{seq}", get_zalo_photo)
    app.router.add_post("/api/send", post_send)
    app.router.add_post("/api/invite", post_invite)
    app.router.add_post("/api/contact", post_contact)
    app.router.add_post("/api/press", post_press)
    app.router.add_post("/api/upload", post_upload)
    app.router.add_post("/api/clock", post_clock)
    app.router.add_post("/api/lang", post_lang)
    return app
