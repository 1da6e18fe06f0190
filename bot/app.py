"""The composition root: the only place that wires concrete classes together."""

from __future__ import annotations

import asyncio
import contextlib
import hashlib
import logging
import signal
import socket
import tempfile
from collections.abc import AsyncIterator, Awaitable, Callable, Iterator, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from sqlalchemy.exc import SQLAlchemyError
from telegram.error import InvalidToken, NetworkError
from telegram.ext import Application

from bot.channels.telegram import TelegramChannel
from bot.domain.plan import Plan
from bot.domain.records import FocalPointRole
from bot.errors import StartupError
from bot.logs import configure_logging
from bot.services.access import AccessService
from bot.services.archive import ArchiveService
from bot.services.broadcast import BroadcastService
from bot.services.campaign import CampaignService
from bot.services.clock import Clock, SystemClock
from bot.services.container import Services
from bot.services.continuity import ContinuityService
from bot.services.dialogue import DialogueService
from bot.services.directory import DirectoryService
from bot.services.housekeeping import HousekeepingService
from bot.services.inbox import Attempt, InboxService
from bot.services.menus import MenuService
from bot.services.outbox import OutboxOptions, OutboxService, Pacing
from bot.services.participation import ParticipationService
from bot.services.preferences import PreferenceService
from bot.services.quota import QuotaService
from bot.services.registration import RegistrationService
from bot.services.reminders import ReminderService
from bot.services.reporting import ReportingService
from bot.services.retention import RetentionService
from bot.services.schedule import policy_from_settings
from bot.services.summary import SummaryService
from bot.settings import Settings
from bot.texts import t, use_vocabulary
from bot.web import FileLinks, WebServer
from bot.web.files import ROUTE
from scheduler.leader import Leadership
from scheduler.ticker import Ticker
from storage.db import (
    StorageUnavailable,
    check_connection,
    check_writable,
    create_engine,
    describe_url,
)
from storage.leader import leader_lock
from storage.revision import head_revision, stored_revision
from storage.send_slots import PgSendSlots
from storage.uow import make_uow_factory

logger = logging.getLogger(__name__)


async def upgrade_database(url: str) -> None:
    """Migrate the database to the newest schema, or fail with one clear line."""
    try:
        engine = create_engine(url)  # creates a SQLite file's folder, which may fail
    except StorageUnavailable as exc:
        raise StartupError(t("cli.db_unreachable", "vi", problem=str(exc))) from None
    try:
        await check_connection(engine)
        current = await stored_revision(engine)
    except StorageUnavailable as exc:
        raise StartupError(t("cli.db_unreachable", "vi", problem=str(exc))) from None
    finally:
        await engine.dispose()
    try:
        if current != head_revision():
            # Imported only when there is something to migrate: Alembic is slow to import.
            from storage.migrate import upgrade

            # Alembic drives its own event loop in env.py, so keep it off ours.
            await asyncio.to_thread(upgrade, url)
        engine = create_engine(url)
        try:
            await check_writable(engine)
        finally:
            await engine.dispose()
    except (StorageUnavailable, SQLAlchemyError, OSError) as exc:
        problem = " ".join(str(getattr(exc, "orig", None) or exc).split())
        raise StartupError(t("cli.db_unwritable", "vi", problem=problem)) from None


def check_archive_dir(settings: Settings) -> None:
    """Refuse to start when attachments are to be archived into a folder that cannot be
    written (Zalo's images are always archived: their links expire)."""
    if not (settings.archive_attachments or settings.zalo_enabled):
        return
    folder = Path(settings.archive_dir)
    try:
        folder.mkdir(parents=True, exist_ok=True)
        with tempfile.NamedTemporaryFile(dir=folder, prefix=".write-test-"):
            pass
    except OSError as exc:
        raise StartupError(t("cli.archive_unwritable", "vi", folder=str(folder),
                             problem=exc.strerror or type(exc).__name__)) from None


def _draft_reminders(flows: list[Any], outbox: OutboxService) -> Any:
    """The periodic use case that reminds people of registrations and reports left unsent."""

    async def chore(now: datetime) -> None:
        queued = [await flow.remind_drafts(now) for flow in flows]
        if any(queued):
            outbox.wake()

    return chore


def _observe_attempts(access: AccessService, menus: MenuService,
                      dialogue: DialogueService) -> Any:
    """Each update's directory version goes to the role cache and to the menus, so a seat
    changed by another process (the CLI, another instance) shows in both; a sender seen quiet
    (no conversation, the update never handled) spares the flows their looks."""

    @contextlib.contextmanager
    def observe(attempt: Attempt) -> Iterator[None]:
        menus.directory_seen(attempt.directory_version)
        with contextlib.ExitStack() as stack:
            stack.enter_context(access.observed(attempt.directory_version))
            if attempt.quiet is not None:
                chat, user, key = attempt.quiet
                stack.enter_context(dialogue.quiet(chat, user, key))
            yield

    return observe


class BotName:
    """The bot's Telegram @username: configured, or learned from getMe once the bot starts."""

    def __init__(self, configured: str) -> None:
        self.value = configured.lstrip("@") or "daumoi_bot"

    def __call__(self) -> str:
        """The username, without the @."""
        return self.value


class InviteLinks:
    """The link printed with an invite code: Telegram's deep link when Telegram runs, else the
    bot's Zalo link (Zalo has no deep links: the person types or pastes the code)."""

    def __init__(self, settings: Settings, bot_name: BotName) -> None:
        self._settings = settings
        self._bot_name = bot_name

    def __call__(self, code: str) -> str:
        """The link for one code ("" when no channel has one)."""
        if self._settings.telegram_enabled or self._settings.bot_username:
            return f"https://t.me/{self._bot_name()}?start={code}"
        return self._settings.zalo_bot_url


@dataclass(frozen=True)
class _Shared:
    """What every campaign's services share: the clock, the outbox, the directory of people."""

    settings: Settings
    uow_factory: Any
    clock: Clock
    policy: Any
    outbox: OutboxService
    quota: QuotaService
    preferences: PreferenceService
    links: InviteLinks


def _campaign_services(shared: _Shared, plan: Plan, key_prefix: str = "") -> Services:
    """One campaign's services (its duties, deadlines, reminders, summary, exports) and its
    flows, on the shared outbox and preferences."""
    settings, uow_factory, the_clock = shared.settings, shared.uow_factory, shared.clock
    # Its own flows: a registration for one campaign is never answered by another's.
    dialogue = DialogueService(uow_factory)
    registration = RegistrationService(
        plan, uow_factory, dialogue, settings.admin_ids, shared.links,
        retention_months=settings.retention_months,
    )
    services = Services(
        plan=plan,
        clock=the_clock,
        default_locale=settings.default_locale,
        access=AccessService(plan.id, settings.admin_ids, settings.head_ids, uow_factory),
        campaign=CampaignService(uow_factory),
        dialogue=dialogue,
        registration=registration,
        directory=DirectoryService(plan, uow_factory),
        preferences=shared.preferences,
        outbox=shared.outbox,
        reminders=ReminderService(
            plan, uow_factory, the_clock, shared.policy, shared.outbox, settings.admin_ids,
            settings.head_ids, settings.default_locale, registration, key_prefix=key_prefix,
        ),
        broadcast=BroadcastService(plan, uow_factory, dialogue, shared.policy),
        reporting=ReportingService(
            plan, uow_factory, dialogue,
            feed_chats=settings.report_feed_chat_ids,
            feed_locale=settings.default_locale,
        ),
        archive=ArchiveService(
            plan, uow_factory, settings.archive_dir, enabled=settings.archive_attachments,
        ),
        summary=SummaryService(plan, uow_factory),
        quota=shared.quota,
    )
    # Cached roles: this process's own seat changes drop them after their commit;
    # another process's are seen through the version read with each update.
    uow_factory.on_directory_change(services.access.directory_changed)
    registration.on_erased(shared.preferences.forget_cached)
    services.reminders.use_locales(shared.preferences.locale_of)
    # Attachments are downloaded only once their report is committed.
    dialogue.after_commit(services.archive.wake)
    return services


async def _stored_plans(campaign: CampaignService, served: set[str]) -> list[Plan]:
    """The plans loaded by `daumoi plan load FILE` and not served already, read again from
    their files; a file gone or broken is said in the log and its campaign left unserved."""
    from bot.plan import PlanError, load_plan

    plans = []
    for campaign_id, source in (await campaign.sources()).items():
        if campaign_id in served:
            continue
        try:
            loaded = load_plan(Path(source))
        except (PlanError, OSError) as exc:
            logger.warning("campaign %s not served: %s", campaign_id, exc)
            continue
        if loaded.id == campaign_id:
            plans.append(loaded)
            served.add(campaign_id)
    return plans


@dataclass
class Runtime:
    """An open database plus the services built on it, for every campaign it serves (the
    first plan given is the one a bot with a single plan always served)."""

    settings: Settings
    plan: Plan
    services: Services
    engine: Any
    bot_name: BotName
    uow_factory: Any

    @property
    def plans(self) -> list[Plan]:
        """Every campaign served, the first plan first."""
        return [services.plan for services in self.services.campaigns.values()]

    @classmethod
    @contextlib.asynccontextmanager
    async def open(
        cls, settings: Settings, plan: Plan, clock: Clock | None = None,
        others: Sequence[Plan] = (), *, stored: bool = False,
    ) -> AsyncIterator[Runtime]:
        """Connect, migrate and build the services; dispose of the engine on exit. With
        `stored`, the campaigns loaded earlier by `daumoi plan load FILE` are served too."""
        words = plan.vocabulary
        use_vocabulary(body=words.body, leadership=words.leadership, head=words.head)
        await upgrade_database(settings.database_url)
        check_archive_dir(settings)
        engine = create_engine(settings.database_url)
        try:
            uow_factory = make_uow_factory(engine)
            bot_name = BotName(settings.bot_username)
            the_clock = clock or SystemClock()
            policy = policy_from_settings(settings, plan.timezone)
            quota = QuotaService(
                uow_factory,
                {"zalo": settings.zalo_monthly_quota} if settings.zalo_enabled else {},
                settings.admin_ids, plan.timezone, settings.default_locale,
            )
            outbox = OutboxService(
                plan, uow_factory, the_clock, policy, settings.admin_ids,
                settings.default_locale,
                OutboxOptions(
                    pacing=Pacing(overall_per_second=settings.send_rate_limit),
                    exclusive=engine.url.get_backend_name() == "sqlite",
                ),
                quota=quota,
            )
            shared = _Shared(settings, uow_factory, the_clock, policy, outbox, quota,
                             PreferenceService(uow_factory), InviteLinks(settings, bot_name))
            services = _campaign_services(shared, plan)
            services.campaigns[plan.id] = services
            services.inbox = InboxService(
                uow_factory, the_clock,
                owner=f"{socket.gethostname()[:40]}:{settings.web_listen}",
                exclusive=engine.url.get_backend_name() == "sqlite")
            if stored:
                others = [*others, *await _stored_plans(services.campaign,
                                                        {plan.id, *(o.id for o in others)})]
            plain = plan.id
            if others:
                plain = await services.campaign.plain_keys_campaign([plan.id, *(
                    other.id for other in others)])
            for other in others:
                if other.id in services.campaigns:
                    raise StartupError(t("cli.plan_twice", "vi", campaign=other.id))
                prefix = "" if other.id == plain else f"{other.id}:"
                peer = _campaign_services(shared, other, prefix)
                peer.campaigns = services.campaigns
                peer.inbox, peer.menus = services.inbox, None
                peer.dialogue.first = False
                services.campaigns[other.id] = peer
                services.reminders.serve_also(peer.reminders)
            if plain != plan.id:
                services.reminders.key_prefix = f"{plan.id}:"
            several = len(services.campaigns) > 1
            participation = ParticipationService(
                [each.plan for each in services.campaigns.values()], uow_factory,
                settings.admin_ids | settings.head_ids, services.preferences)
            for each in services.campaigns.values():
                each.reminders.named = several
                each.participation = participation
                if several:
                    each.dialogue.campaign_id = each.plan.id
            registration = services.registration
            # The dispatcher is woken by a commit that queued a row, never for nothing.
            uow_factory.on_outbox_queued(outbox.wake)
            housekeeping = HousekeepingService(uow_factory)
            services.reminders.add_chore(housekeeping.prune)
            services.reminders.add_chore(_draft_reminders(
                [flow for each in services.campaigns.values()
                 for flow in (each.registration, each.reporting)], outbox))
            services.retention = RetentionService(uow_factory, registration,
                                                  settings.retention_months)
            services.reminders.add_chore(services.retention.erase_if_due)
            menus = MenuService(plan.id, settings.admin_ids, settings.head_ids, uow_factory,
                                services.preferences,
                                # (one pass per plan: asking each unit `is_parent` is quadratic)
                                frozenset().union(*(
                                    {u.parent for u in each.plan.units if u.parent}
                                    & {u.id for u in each.plan.units}
                                    for each in services.campaigns.values())),
                                also=[cid for cid in services.campaigns if cid != plan.id])
            services.menus = menus
            for each in services.campaigns.values():
                each.retention = services.retention
                each.menus = menus
                each.registration.on_erased(menus.mark_changed)
                each.registration.on_seats_changed(menus.mark_changed)
                if several:
                    # A campaign starting after another asks the units' last focal points.
                    continuity = ContinuityService(
                        each.plan, uow_factory, each.dialogue, settings.retention_months,
                        each.registration.unit_brief)
                    continuity.on_seats_changed(menus.mark_changed)
                    services.reminders.add_chore(continuity.offer)
            services.preferences.on_chosen(menus.mark_changed)
            services.inbox.observe_attempts(
                _observe_attempts(services.access, menus, services.dialogue))
            # Flows that wrote end every assumption that a sender has no conversation.
            uow_factory.on_conversation_written(services.dialogue.conversations_written)
            await services.preferences.load()
            outbox.use_locales(services.preferences.locale_of)
            yield cls(
                settings=settings,
                plan=plan,
                services=services,
                engine=engine,
                bot_name=bot_name,
                uow_factory=uow_factory,
            )
        finally:
            await engine.dispose()

    async def load_plan(self) -> Any:
        """Load every plan served into the database (idempotent); the first plan's result."""
        results = [await self.services.campaign.load_plan(plan, self.services.clock.now())
                   for plan in self.plans]
        return results[0]

    async def tick(self) -> Any:
        """Queue what is due at the clock's current time and send it; wait until done."""
        return await self.services.reminders.tick()

    async def outbox_log(self, limit: int = 200) -> list[dict[str, Any]]:
        """What was queued, sent, failed or skipped, newest first (for trainers)."""
        outbox = self.services.outbox
        return [outbox.as_log_entry(row) for row in await outbox.recent(limit)]

    async def next_due(self) -> Any:
        """When the next scheduled message falls due, or None."""
        return await self.services.reminders.next_due(self.services.clock.now())

    async def invite_codes(self) -> dict[str, str]:
        """A fresh focal-point invite code per unit (sandbox personas)."""
        issued = await self.services.registration.issue_invites(
            None, FocalPointRole.FOCAL_POINT, self.services.clock.now()
        )
        return {invite.unit_id: invite.code for invite in issued}


def build_application(runtime: Runtime, *, rate_limited: bool = True) -> Application:
    """A python-telegram-bot Application wired to the core (benchmarks drive it directly)."""
    return TelegramChannel(runtime.settings, runtime.services,
                           rate_limited=rate_limited).application


@dataclass
class RunningBot:
    """The channels of a running bot, for tests and the sandbox."""

    telegram: TelegramChannel | None = None
    zalo: Any = None
    web: Any = None
    links: Any = None
    # Whether this instance sends reminders and queued messages (see scheduler/leader.py).
    leadership: Any = None
    errors: list[Any] = field(default_factory=list)

    def add_error_handler(self, callback: Any) -> None:
        """Be told of every error a channel's handling raised (tests assert there are none)."""
        if self.telegram is not None:
            self.telegram.application.add_error_handler(callback)
        if self.zalo is not None:
            self.zalo.add_error_handler(callback)

    @property
    def bot(self) -> Any:
        """The Telegram bot (PTB), when Telegram runs."""
        assert self.telegram is not None
        return self.telegram.application.bot


def file_links(settings: Settings) -> FileLinks:
    """Signed links to files for channels that cannot send them; the key comes from the token,
    so links outlive a restart, and nobody without the token can forge one."""
    key = hashlib.sha256(b"daumoi-files:" + settings.zalo_bot_token.get_secret_value().encode())
    base = settings.public_url or _origin(settings.zalo_webhook_url) or f"http://{settings.web_listen}"
    folder = Path(settings.archive_dir).parent / "data" / "files"
    if settings.database_url.startswith("sqlite"):
        folder = Path(settings.database_url.split("///", 1)[1]).parent / "files"
    return FileLinks(folder, key.digest(), base, settings.file_link_hours * 3600)


def _origin(url: str) -> str:
    parts = urlsplit(url)
    return f"{parts.scheme}://{parts.netloc}" if parts.scheme and parts.netloc else ""


def shared_rates(runtime: Runtime) -> dict[str, Callable[[], Awaitable[None]]]:
    """On PostgreSQL (several instances may send): each channel's rate, shared by them all."""
    if runtime.engine.url.get_backend_name() != "postgresql":
        return {}
    from bot.channels.zalo.notifier import ZALO_PACING

    rates = {"telegram": runtime.settings.send_rate_limit,
             "zalo": ZALO_PACING.overall_per_second}
    return {channel: PgSendSlots(runtime.engine, channel, rate).take
            for channel, rate in rates.items()}


def channels_for(runtime: Runtime, web: WebServer, links: FileLinks,
                 shared: dict[str, Callable[[], Awaitable[None]]] | None = None) -> list[Any]:
    """Every channel whose token is set; a new channel is one more line here."""
    settings, services = runtime.settings, runtime.services
    channels: list[Any] = []
    if settings.telegram_enabled:
        channels.append(TelegramChannel(settings, services, web=web,
                                        shared_rate=(shared or {}).get("telegram")))
    if settings.zalo_enabled:
        from bot.channels.zalo import ZaloChannel

        web.add("GET", ROUTE, links.handle)
        channels.append(ZaloChannel(settings, services, web, links, services.quota,
                                    shared_rate=(shared or {}).get("zalo")))
    return channels


#: The first reminder tick waits this long after the start: it loads the holiday tables
#: (~0.2 s of CPU holding the GIL from its thread), which would otherwise delay the answers
#: to the updates waiting at a restart; a reminder goes out a second late at most.
FIRST_TICK_AFTER_S = 1.0


@contextlib.asynccontextmanager
async def running_bot(runtime: Runtime) -> AsyncIterator[RunningBot]:
    """Start every configured channel, the outbox and the ticker; stop them cleanly on exit."""
    running = RunningBot()
    started: list[Any] = []
    host, port = runtime.settings.listen
    web = WebServer(host, port)
    running.web = web
    outbox = runtime.services.outbox
    archives = [services.archive for services in runtime.services.campaigns.values()]
    tickers: list[Ticker] = []

    async def lead() -> None:
        outbox.start()
        for archive in archives:
            archive.wake()  # attachments left over from before a restart
        ticker = Ticker(runtime.services.reminders.tick, runtime.settings.reminder_tick_seconds)
        tickers.append(ticker)
        ticker.start(first_after=FIRST_TICK_AFTER_S)

    async def step_down() -> None:
        # The outbox first (it stops claiming rows), then the tick in progress, if any.
        await outbox.pause()
        while tickers:
            await tickers.pop().stop()

    lock = leader_lock(runtime.engine)
    leadership = running.leadership = Leadership(
        lock, lead, step_down, runtime.settings.leader_retry_seconds
    )
    if not lock.shared and not await lock.acquire():
        # Before any channel starts: a second poller would fight the first for the updates.
        raise StartupError(t("cli.second_instance", "vi",
                             database=describe_url(runtime.engine.url)))
    try:
        links = running.links = file_links(runtime.settings)
        shared = shared_rates(runtime)
        for channel_name, take in shared.items():
            outbox.share_rate(channel_name, take)
        channels = channels_for(runtime, web, links, shared)
        if runtime.settings.zalo_enabled or runtime.settings.telegram_webhook_url:
            await web.start()  # webhooks and file links must answer before the platforms call
            if not links.base_url or links.base_url.endswith(":0"):
                links.base_url = f"http://{host}:{web.port}"
        for channel in channels:
            await channel.start()
            started.append(channel)
            if isinstance(channel, TelegramChannel):
                running.telegram = channel
                runtime.bot_name.value = channel.username
            else:
                running.zalo = channel
            outbox.attach(channel.notifier())
            for archive in archives:
                archive.bind(channel.name, channel.fetcher(), always=channel.name == "zalo")
        await leadership.start()
        yield running
    finally:
        for archive in archives:
            await archive.idle()
            for channel in started:
                archive.bind(channel.name, None)
        await leadership.stop()
        await outbox.stop()
        for channel in reversed(started):
            await channel.stop()
        await web.stop()


async def serve(
    settings: Settings, plan: Plan, on_started: Callable[[], None] | None = None,
    others: Sequence[Plan] = (),
) -> None:
    """Run the bot for `plan` and the `others` until SIGINT or SIGTERM; `on_started` once
    every channel is up."""
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for signum in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(signum, stop.set)
    async with Runtime.open(settings, plan, others=others, stored=True) as runtime:
        await runtime.load_plan()
        try:
            async with running_bot(runtime) as running:
                if running.telegram is not None:
                    logger.info("daumoi is running on Telegram as @%s", running.telegram.username)
                if running.zalo is not None:
                    logger.info("daumoi is running on Zalo as %s", running.zalo.display_name)
                if on_started is not None:
                    on_started()
                await stop.wait()
        except InvalidToken:
            raise StartupError(t("cli.token_rejected")) from None
        except NetworkError as exc:
            raise StartupError(t("cli.api_unreachable", "vi", problem=str(exc))) from None
    logger.info("daumoi stopped")


def run_bot(
    settings: Settings, plan: Plan, on_started: Callable[[], None] | None = None,
    others: Sequence[Plan] = (),
) -> int:
    """Configure logging and serve; return the process exit code."""
    configure_logging(settings.log_level, [settings.bot_token.get_secret_value(),
                                           settings.zalo_bot_token.get_secret_value(),
                                           settings.zalo_webhook_secret.get_secret_value(),
                                           settings.telegram_webhook_secret.get_secret_value()],
                      settings.log_libraries or None)
    asyncio.run(serve(settings, plan, on_started, others))
    return 0
