"""The sandbox itself: fake Telegram and fake Zalo, the real bot pointed at both, a fresh
database, a clock.

Everything the web page does goes through ``Sandbox``: users speak through the fake servers'
control APIs (the bot sees ordinary Telegram updates and Zalo events over HTTP) and time moves on
a FixedClock that both fakes stamp their messages with.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
import secrets
import tempfile
from collections import Counter
from collections.abc import AsyncIterator, Sequence
from datetime import UTC, datetime, time, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import aiohttp
from pydantic import SecretStr

from bot.app import RunningBot, Runtime, running_bot
from bot.domain.address import Address
from bot.domain.plan import Plan
from bot.fakeserver import FakeBotApi
from bot.fakeserver.world import Signal, image_size
from bot.fakezalo import FakeZaloApi
from bot.sandbox.personas import TELEGRAM, ZALO, Kind, Persona, build_personas
from bot.sandbox.render import chat_messages, jsonable, reply_keyboard
from bot.sandbox.zalochat import ZaloChats
from bot.services.clock import FixedClock
from bot.services.replies import Actor
from bot.settings import Settings
from bot.texts import LOCALES, t

log = logging.getLogger(__name__)

SANDBOX_BOT_ID = 1_000_000_001
SANDBOX_ZALO_BOT_ID = 2_000_000_001
BOT_USERNAME = "daumoi_sandbox_bot"
BOT_DISPLAY_NAME = "daumoi"
#: Telegram's limit for files a bot handles is 50 MB; the sandbox refuses a file of that size.
MAX_UPLOAD_BYTES = 50 * 1000 * 1000
MAX_TEXT = 4096
MAX_CAPTION = 1024
#: Upper bound on scheduler rounds in one clock move, in case next_due never passes the target.
MAX_CLOCK_STEPS = 1000
OUTBOX_LIMIT = 200
_OUTBOX_SETTLE = 1.0  # seconds: the dispatcher marks a row sent just after its Bot API call


class SandboxError(Exception):
    """Something the visitor asked that cannot be done; the message is for the page."""

    def __init__(self, message: str, status: int = 400) -> None:
        super().__init__(message)
        self.status = status


def default_start(plan: Plan) -> datetime:
    """Return when a sandbox starts: the campaign's first day at 08:00, local time."""
    zone = ZoneInfo(plan.timezone)
    local = plan.start.astimezone(zone)
    morning = datetime.combine(local.date(), time(8, 0), tzinfo=zone)
    return max(local, morning) if morning <= plan.end else local


def _as_utc(value: Any) -> datetime | None:
    """Read what ``Runtime.next_due`` returns (a datetime, or something carrying one)."""
    if value is None:
        return None
    for name in ("due", "due_at", "at", "when"):
        if not isinstance(value, datetime) and hasattr(value, name):
            value = getattr(value, name)
    if not isinstance(value, datetime):
        return None
    return (value if value.tzinfo else value.replace(tzinfo=UTC)).astimezone(UTC)


def _loopback_without_proxy() -> None:
    # httpx honours proxy variables; the bot's calls to the local fake must never use one.
    for name in ("NO_PROXY", "no_proxy"):
        present = [p for p in os.environ.get(name, "").split(",") if p]
        missing = [h for h in ("127.0.0.1", "localhost") if h not in present]
        if missing:
            os.environ[name] = ",".join(present + missing)


class Sandbox:
    """A running sandbox: personas, their chats, the simulated clock and the outbox."""

    def __init__(
        self,
        api: FakeBotApi,
        runtime: Runtime,
        clock: FixedClock,
        plan: Plan,
        personas: list[Persona],
        zalo: FakeZaloApi,
        running: RunningBot | None = None,
    ) -> None:
        self.api = api
        self.zalo = zalo
        self.zalo_chats = ZaloChats(zalo)
        self.running = running
        self.runtime = runtime
        self.clock = clock
        self.plan = plan
        self.zone = ZoneInfo(plan.timezone)
        self.personas = {p.key: p for p in personas}
        self.lang = "vi"
        self.changed = Signal()  # fired whenever anything a page shows may have changed
        self.outbox: list[dict[str, Any]] = []
        self.outbox_version = 0
        self.outbox_error: str | None = None
        self.next_due: datetime | None = None
        # The campaign each persona's chat is in, by persona key (bots serving several only).
        self.campaigns: dict[str, str | None] = {}
        self.closing = False
        self.url: str | None = None  # the page's address, once served
        self._clock_lock = asyncio.Lock()
        self._dirty = asyncio.Event()
        self._tasks: list[asyncio.Task[None]] = []

    # --- lifecycle ------------------------------------------------------------------------

    async def start(self) -> None:
        """Fetch the invites, run the scheduler once at the start time, start the watchers."""
        await self._load_invites()
        try:
            await self._tick()
        except SandboxError:
            pass  # logged by _tick; the visitor can still move the clock and try again
        await self._refresh()
        self._tasks = [
            asyncio.create_task(self._forward_activity(self.api.activity), name="sandbox-tg"),
            asyncio.create_task(self._forward_activity(self.zalo.activity), name="sandbox-zalo"),
            asyncio.create_task(self._refresh_loop(), name="sandbox-refresh"),
        ]

    async def close(self) -> None:
        """Stop the watchers and release every open page stream (safe to call twice)."""
        if self.closing:
            return
        self.closing = True
        self.changed.fire()
        for task in self._tasks:
            task.cancel()
        for task in self._tasks:
            with contextlib.suppress(asyncio.CancelledError):
                await task

    async def _load_invites(self) -> None:
        try:
            codes = await self.runtime.invite_codes()
        except Exception:
            log.exception("sandbox: could not get the invite codes")
            codes = {}
        for persona in self.personas.values():
            if persona.kind is Kind.FOCAL and persona.unit_id in codes:
                persona.invite_code = codes[persona.unit_id]

    async def _forward_activity(self, activity: Signal) -> None:
        # Any Bot API call (a message sent, edited, a long poll) may change what pages show.
        while True:
            await activity.wait()
            self.poke()

    def poke(self) -> None:
        """Tell the pages that something changed, and re-read the outbox soon."""
        self._dirty.set()
        self.changed.fire()

    async def _refresh_loop(self) -> None:
        while True:
            await self._dirty.wait()
            self._dirty.clear()
            await self._refresh()
            await asyncio.sleep(_OUTBOX_SETTLE)
            if not self._dirty.is_set():
                await self._refresh()

    async def _refresh(self) -> None:
        """Re-read the outbox and the next due moment; wake the pages if they changed."""
        try:
            rows = jsonable(await self.runtime.outbox_log(OUTBOX_LIMIT))
            error = None
        except Exception as exc:
            log.exception("sandbox: could not read the outbox")
            rows, error = self.outbox, f"{type(exc).__name__}: {exc}"
        try:
            due = _as_utc(await self.runtime.next_due())
        except Exception:
            log.exception("sandbox: could not ask for the next due moment")
            due = None
        changed = False
        if rows != self.outbox or error != self.outbox_error:
            self.outbox, self.outbox_error = rows, error
            self.outbox_version += 1
            changed = True
        if due != self.next_due:
            self.next_due = due
            changed = True
        if await self.read_campaigns():
            changed = True
        if changed:
            self.changed.fire()

    @property
    def several(self) -> bool:
        """Whether the bot serves more than one plan."""
        picker = self.runtime.services.participation
        return picker is not None and picker.several

    async def read_campaigns(self) -> bool:
        """Re-read which campaign each persona's chat is in; True if that changed."""
        picker = self.runtime.services.participation
        if picker is None or not picker.several:
            return False
        now = self.clock.now()
        campaigns: dict[str, str | None] = {}
        for persona in self.personas.values():
            if persona.is_group:
                continue
            actor = Actor(persona.address, persona.address, self.lang)
            situation = await picker.situation(actor, now)
            campaigns[persona.key] = (picker.plan(situation.campaign_id).title
                                      if situation.campaign_id else None)
        if campaigns == self.campaigns:
            return False
        self.campaigns = campaigns
        return True

    # --- personas -------------------------------------------------------------------------

    def persona(self, key: str) -> Persona:
        """Return the persona with this key."""
        persona = self.personas.get(key)
        if persona is None:
            raise SandboxError(t("sandbox.err_unknown_persona", self.lang, key=key), 404)
        return persona

    def speaker(self, persona: Persona, as_user: int | str | None = None) -> Any:
        """Return the user who speaks in the persona's chat (a member chosen for a group)."""
        if not persona.is_group:
            assert persona.user_id is not None
            return persona.user_id
        if as_user in (None, ""):
            return persona.members[0]
        wanted = str(as_user)
        for member in persona.members:
            if str(member) == wanted:
                return member
        raise SandboxError(t("sandbox.err_not_member", self.lang))

    async def set_lang(self, lang: str) -> None:
        """Switch the page language and the personas' language together.

        On Telegram the app reports the language; Zalo reports none, so the sandbox records it
        as the person's choice, as ``/ngonngu`` would.
        """
        if lang not in LOCALES:
            raise SandboxError(t("sandbox.err_bad_lang", self.lang))
        self.lang = lang
        for persona in self.personas.values():
            if persona.user_id is None:
                continue
            if persona.on_zalo:
                address = Address(ZALO, str(persona.user_id))
                await self.runtime.services.preferences.choose(address, lang)
            else:
                self.api.users[persona.user_id].language_code = lang
        self.changed.fire()

    # --- what personas do ----------------------------------------------------------------

    def send_text(self, key: str, text: str, as_user: int | str | None = None) -> int:
        """The persona types a message; return its message id."""
        persona = self.persona(key)
        text = text.strip()
        if not text:
            raise SandboxError(t("sandbox.err_empty", self.lang))
        if len(text) > MAX_TEXT:
            raise SandboxError(t("sandbox.err_too_long", self.lang, limit=MAX_TEXT))
        speaker = self.speaker(persona, as_user)
        if persona.on_zalo:
            return self._zalo_said(persona, self.zalo.send_text(speaker, text, **_where(persona)))
        update = self.api.send_text(speaker, text, chat=persona.chat_id)
        self.poke()
        return int(update["message"]["message_id"])

    def _zalo_said(self, persona: Persona, event: dict[str, Any] | None) -> int:
        # In a group Zalo only delivers what mentions the bot, and the sandbox always mentions.
        if self.zalo_chats.record(event) is None:
            raise SandboxError(t("sandbox.err_zalo_not_delivered", self.lang), 409)
        self.poke()
        return len(self.zalo_chats.messages(str(persona.chat_id)))

    def use_invite(self, key: str) -> int:
        """The focal point uses the invite: ``/start <code>`` on Telegram, typed on Zalo."""
        persona = self.persona(key)
        if not persona.invite_code:
            raise SandboxError(t("sandbox.err_no_invite", self.lang), 409)
        if persona.on_zalo:
            # Zalo has no deep links: the official letter says to type "dangky" and the code.
            return self.send_text(key, f"dangky {persona.invite_code}")
        return self.send_text(key, f"/start {persona.invite_code}")

    def share_contact(self, key: str) -> int:
        """The persona presses "share my phone number"."""
        persona = self.persona(key)
        if persona.is_group:
            raise SandboxError(t("sandbox.err_contact_group", self.lang))
        if persona.on_zalo:
            raise SandboxError(t("sandbox.err_contact_zalo", self.lang))
        assert persona.user_id is not None
        update = self.api.send_contact(persona.user_id, persona.phone)
        self.poke()
        return int(update["message"]["message_id"])

    async def press(
        self, key: str, message_id: int, data: str, as_user: int | str | None = None
    ) -> str | None:
        """Press an inline button; return the bot's toast text, if it answers with one."""
        persona = self.persona(key)
        if persona.on_zalo:
            raise SandboxError(t("sandbox.err_no_button", self.lang), 409)
        try:
            update = self.api.press_button(
                self.speaker(persona, as_user), message_id, data=data, chat=persona.chat_id
            )
        except LookupError:
            raise SandboxError(t("sandbox.err_no_button", self.lang), 409) from None
        self.poke()
        state = self.api.callback_queries[update["callback_query"]["id"]]
        try:
            answer = await self.api.activity.wait_for(lambda: state.answer, timeout=3.0)
        except TimeoutError:
            return None
        text = answer.get("text")
        return str(text) if text else None

    def upload(
        self,
        key: str,
        data: bytes,
        *,
        filename: str,
        content_type: str | None,
        caption: str | None = None,
        as_user: int | str | None = None,
    ) -> int:
        """The persona sends a file: images as a photo, anything else as a document."""
        persona = self.persona(key)
        if len(data) >= MAX_UPLOAD_BYTES:
            raise SandboxError(upload_limit_message(self.lang), 413)
        if not data:
            raise SandboxError(t("sandbox.err_empty_file", self.lang))
        caption = (caption or "").strip() or None
        if caption and len(caption) > MAX_CAPTION:
            raise SandboxError(t("sandbox.err_too_long", self.lang, limit=MAX_CAPTION))
        sender = self.speaker(persona, as_user)
        if persona.on_zalo:
            if image_size(data) is None:
                raise SandboxError(t("sandbox.err_zalo_photos_only", self.lang), 415)
            event = self.zalo.send_photo(sender, data, caption=caption, **_where(persona))
            return self._zalo_said(persona, event)
        if image_size(data) is not None:
            update = self.api.send_photo(sender, data, caption=caption, chat=persona.chat_id)
        else:
            update = self.api.send_document(
                sender,
                data,
                file_name=Path(filename or "file").name[:255] or "file",
                mime_type=content_type or "application/octet-stream",
                caption=caption,
                chat=persona.chat_id,
            )
        self.poke()
        return int(update["message"]["message_id"])

    # --- the clock --------------------------------------------------------------------------

    def clock_state(self) -> dict[str, Any]:
        """Return the simulated time, the next due moment and the current phase."""
        now = self.clock.now()
        phase = next((p for p in self.plan.phases if p.start <= now <= p.end), None)
        return {
            "now": now.isoformat(),
            "epoch": now.timestamp(),
            "local": now.astimezone(self.zone).strftime("%Y-%m-%dT%H:%M"),
            "timezone": self.plan.timezone,
            "next_due": self.next_due.isoformat() if self.next_due else None,
            "phase": phase.name if phase else None,
        }

    def parse_local(self, value: str) -> datetime:
        """Read a ``YYYY-MM-DDTHH:MM`` from the page as a time in the plan's time zone."""
        try:
            moment = datetime.fromisoformat(value.strip())
        except ValueError:
            raise SandboxError(t("sandbox.err_bad_date", self.lang)) from None
        if moment.tzinfo is None:
            moment = moment.replace(tzinfo=self.zone)
        return moment

    async def advance(self, action: str, to: str | None = None) -> dict[str, Any]:
        """Move the clock (hour, day, next, to) and run the scheduler as if the time had passed."""
        async with self._clock_lock:
            now = self.clock.now()
            if action == "hour":
                target = now + timedelta(hours=1)
            elif action == "day":
                target = now + timedelta(days=1)
            elif action == "next":
                due = _as_utc(await self.runtime.next_due())
                if due is None:
                    raise SandboxError(t("sandbox.err_nothing_due", self.lang), 409)
                target = max(due, now)
            elif action == "to":
                target = self.parse_local(to or "")
            else:
                raise SandboxError(t("sandbox.err_bad_action", self.lang))
            if target < now:
                shown = now.astimezone(self.zone).strftime("%d/%m/%Y %H:%M")
                raise SandboxError(t("sandbox.err_backwards", self.lang, now=shown), 409)
            await self._run_until(target)
        await self._refresh()
        self.poke()
        return self.clock_state()

    async def _run_until(self, target: datetime) -> None:
        # Stop at every due moment on the way, so each reminder goes out at its own time.
        for _ in range(MAX_CLOCK_STEPS):
            due = _as_utc(await self.runtime.next_due())
            if due is None or due > target or due <= self.clock.now():
                break
            self.clock.set(due)
            await self._tick()
        self.clock.set(target)
        await self._tick()

    async def _tick(self) -> None:
        try:
            await self.runtime.tick()
        except Exception:
            log.exception("sandbox: the scheduler failed at %s", self.clock.now())
            raise SandboxError(t("sandbox.err_tick", self.lang), 500) from None

    # --- what the page asks ----------------------------------------------------------------

    def menu(self, key: str) -> list[dict[str, str]]:
        """Return the command menu a Telegram app shows in this persona's chat (none on Zalo)."""
        persona = self.persona(key)
        if persona.on_zalo:
            return []
        assert isinstance(persona.chat_id, int)
        return self.api.visible_commands(persona.chat_id, self.lang)

    def chat(self, persona: Persona) -> list[dict[str, Any]]:
        """Return a persona's chat as the page draws it, oldest message first."""
        if persona.on_zalo:
            return self.zalo_chats.messages(str(persona.chat_id))
        assert isinstance(persona.chat_id, int)
        return chat_messages(self.api, persona.chat_id)

    def keyboard(self, persona: Persona) -> dict[str, Any] | None:
        """Return the reply keyboard shown under a persona's chat (Zalo has none)."""
        if persona.on_zalo:
            return None
        assert isinstance(persona.chat_id, int)
        return reply_keyboard(self.api, persona.chat_id)

    def counts(self) -> dict[str, int]:
        """Return how many messages the bot has sent into each persona's chat."""
        telegram = Counter(m.chat_id for m in self.api.sent_messages(include_deleted=False))
        zalo = self.zalo_chats.counts()
        return {
            p.key: (zalo.get(str(p.chat_id), 0) if p.on_zalo else telegram.get(p.chat_id, 0))
            for p in self.personas.values()
        }

    def state(self) -> dict[str, Any]:
        """Return everything the page needs to draw itself."""
        state = {
            "lang": self.lang,
            "locales": list(LOCALES),
            "bot": {"name": self.api.bot.first_name, "username": self.api.bot.username},
            "zalo_bot": {"name": self.zalo.bot_name, "id": self.zalo.bot_id},
            "channels": [TELEGRAM, ZALO],
            "plan": {
                "id": self.plan.id,
                "title": self.plan.title,
                "timezone": self.plan.timezone,
                "start": self.plan.start.isoformat(),
                "end": self.plan.end.isoformat(),
                "milestones": self.milestones(),
            },
            "personas": [p.as_dict() for p in self.personas.values()],
            "clock": self.clock_state(),
            "limits": {"upload_bytes": MAX_UPLOAD_BYTES, "text": MAX_TEXT},
        }
        if self.several:
            state["campaigns"] = self.campaigns
        return state

    def milestones(self) -> list[dict[str, str]]:
        """Return the plan's phase starts and deadlines, in time order, for the clock panel;
        with several plans, the other plans' deadlines too, each naming its campaign."""
        items = [
            {"kind": "phase", "title": p.name, "at": p.start.isoformat(), "id": p.id}
            for p in self.plan.phases
        ]
        items += [
            {"kind": "deadline", "title": d.title, "at": d.due.isoformat(), "id": d.id}
            for d in self.plan.deadlines
        ]
        if self.several:
            for item in items:
                item["campaign"] = self.plan.title
            items += [
                {"kind": "deadline", "title": d.title, "at": d.due.isoformat(), "id": d.id,
                 "campaign": other.title}
                for other in self.runtime.plans if other.id != self.plan.id
                for d in other.deadlines
            ]
        return sorted(items, key=lambda item: item["at"])

    def file(self, file_id: str) -> tuple[bytes, str | None, str | None]:
        """Return a stored file's bytes, name and MIME type."""
        stored = self.api.files.get(file_id)
        if stored is None:
            raise SandboxError(t("sandbox.err_no_file", self.lang), 404)
        return stored.data, stored.file_name, stored.mime_type

    def zalo_media(self, name: str) -> tuple[bytes, str]:
        """Return an image a persona sent on Zalo (hosted by the fake Zalo) and its type."""
        media = self.zalo.media.get(name)
        if media is None:
            raise SandboxError(t("sandbox.err_no_file", self.lang), 404)
        return media.data, media.content_type

    async def zalo_photo(self, seq: int) -> bytes:
        """Fetch a picture the bot sent on Zalo from the bot's own signed link, as Zalo would."""
        link = self.zalo_chats.bot_photo_link(seq)
        base = self.running.links.base_url if self.running and self.running.links else ""
        if not link or not base or not link.startswith(base.rstrip("/") + "/"):
            raise SandboxError(t("sandbox.err_no_file", self.lang), 404)
        timeout = aiohttp.ClientTimeout(total=10)
        async with aiohttp.ClientSession(timeout=timeout) as http, http.get(link) as response:
            if response.status != 200:
                raise SandboxError(t("sandbox.err_no_file", self.lang), 404)
            data = await response.read()
        if image_size(data) is None:
            raise SandboxError(t("sandbox.err_no_file", self.lang), 404)
        return data


def _where(persona: Persona) -> dict[str, Any]:
    """Return the fake Zalo's chat arguments: private, or a group message mentioning the bot."""
    if persona.is_group:
        return {"chat": str(persona.chat_id), "mention": True}
    return {}


def _addresses(personas: list[Persona], kind: Kind) -> frozenset[Address]:
    return frozenset(
        Address(p.channel, str(p.user_id))
        for p in personas
        if p.kind is kind and p.user_id is not None
    )


def upload_limit_message(lang: str) -> str:
    """Return the refusal for a file at or over the limit."""
    return t("sandbox.err_upload_limit", lang, limit=MAX_UPLOAD_BYTES // (1000 * 1000))


@contextlib.asynccontextmanager
async def open_sandbox(
    settings: Settings, plan: Plan, *, start: datetime | None = None,
    others: Sequence[Plan] = (),
) -> AsyncIterator[Sandbox]:
    """Start both fake servers, a fresh database with the plan (and the `others`: one bot
    serving several campaigns), and the real bot; stop them all. The personas and the clock
    panel follow the first plan."""
    _loopback_without_proxy()
    clock = FixedClock(start or default_start(plan))
    # Fresh tokens per run: nothing outside this process can talk to a fake as the bot.
    token = f"{SANDBOX_BOT_ID}:{secrets.token_urlsafe(24)}"
    zalo_token = f"{SANDBOX_ZALO_BOT_ID}:{secrets.token_urlsafe(24)}"
    async with contextlib.AsyncExitStack() as stack:
        folder = stack.enter_context(tempfile.TemporaryDirectory(prefix="daumoi-sandbox-"))
        # The fake stamps messages with the simulated time, like the bot's own clock.
        api = FakeBotApi(
            token=token,
            bot_username=BOT_USERNAME,
            bot_first_name="daumoi",
            clock=lambda: clock.now().timestamp(),
        )
        await stack.enter_async_context(api)
        zalo = FakeZaloApi(
            token=zalo_token, bot_name=BOT_DISPLAY_NAME, clock=lambda: clock.now().timestamp()
        )
        await stack.enter_async_context(zalo)
        personas = build_personas(api, zalo, plan)
        local = settings.model_copy(
            update={
                "bot_token": SecretStr(token),
                "telegram_api_url": api.url,
                "database_url": f"sqlite+aiosqlite:///{Path(folder) / 'sandbox.sqlite3'}",
                "archive_dir": Path(folder) / "archive",
                "admin_ids": _addresses(personas, Kind.SECRETARIAT),
                "head_ids": _addresses(personas, Kind.HEAD),
                # Zalo by polling; files by signed links on the bot's own server, on a free
                # port of 127.0.0.1 that running_bot puts into the links once it listens.
                "zalo_bot_token": SecretStr(zalo_token),
                "zalo_api_url": zalo.url,
                "zalo_webhook_url": "",
                "zalo_webhook_secret": SecretStr(""),
                "web_listen": "127.0.0.1:0",
                "public_url": "",
            }
        )
        runtime = await stack.enter_async_context(Runtime.open(local, plan, clock, others))
        await runtime.load_plan()
        running = await stack.enter_async_context(running_bot(runtime))
        if running.telegram is not None:
            # The personas' menus go out in a task after the start: the page shows them.
            await running.telegram.menus_published()
        sandbox = Sandbox(api, runtime, clock, plan, personas, zalo, running)
        stack.push_async_callback(sandbox.close)
        await sandbox.start()
        yield sandbox
