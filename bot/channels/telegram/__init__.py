"""The Telegram channel: every polled update is stored in the inbox, then becomes an `Inbound`."""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Awaitable, Callable
from typing import Any

from telegram import Bot, Message, Update
from telegram.error import BadRequest, NetworkError, TelegramError, TimedOut
from telegram.ext import (
    AIORateLimiter,
    Application,
    ApplicationBuilder,
    CallbackContext,
    ContextTypes,
    TypeHandler,
)

from bot.channels.telegram.errors import ErrorHandler, is_too_old
from bot.channels.telegram.files import TelegramFileFetcher
from bot.channels.telegram.inbound import address, button_inbound, message_inbound, subject
from bot.channels.telegram.menu import TelegramMenus, set_command_menus
from bot.channels.telegram.notifier import CHANNEL, TelegramNotifier
from bot.channels.telegram.polling import TelegramPoller
from bot.channels.telegram.ratelimit import SharedRateLimiter
from bot.channels.telegram.responder import CAPABILITIES, TelegramResponder
from bot.channels.telegram.transport import AiohttpRequest, UpdatesRequest
from bot.channels.telegram.webhook import PATH as WEBHOOK_PATH
from bot.channels.telegram.webhook import TelegramWebhook
from bot.domain.records import InboxEntry
from bot.errors import StartupError
from bot.services.container import Services
from bot.tasks import cancel_and_wait
from bot.texts import pick_locale, t
from bot.web import WebServer
from handlers import dispatch

__all__ = ["CHANNEL", "TelegramChannel"]

log = logging.getLogger(__name__)

#: Connections the outbox may send on at once.
OUTBOX_CONNECTIONS = 16
#: Connections for answers, menus and files (PTB's default pool for them).
ANSWER_CONNECTIONS = 256
#: How long the menus published at the start wait for the first poll to be answered.
MENUS_WAIT_S = 1.0


async def _on_update(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """Turn one update into an inbound message and let the core answer it."""
    services: Services = context.application.bot_data["services"]
    chat = update.effective_chat
    if update.effective_user is None or (chat is None and update.callback_query is None):
        return  # channel posts, polls, inline queries: nobody the bot talks to
    if update.callback_query is not None:
        query = update.callback_query
        inbound = button_inbound(update)
        if inbound is None:
            # Callback data the bot never made: refuse politely, change nothing.
            user = update.effective_user
            locale = pick_locale(user.language_code if user else None, services.default_locale)
            if user is not None:
                locale = services.preferences.locale_of(address(user.id)) or locale
            await query.answer(t("dialogue.invalid_button", locale), show_alert=True)
            return
        try:
            await query.answer()
        except BadRequest as exc:
            # A press redelivered after a restart is too old to answer, not to handle.
            if not is_too_old(exc):
                raise
        if query.message is not None:
            # Buttons answered once should not be pressed again; a second press finds none.
            with contextlib.suppress(BadRequest):
                await query.edit_message_reply_markup(None)
    else:
        inbound = message_inbound(update, context.bot.username or "")
    if inbound is None or chat is None:
        return
    # A language button's answer replaces the question, as the message it was pressed on.
    edit = None
    query = update.callback_query
    if query is not None and inbound.command == "lang" and isinstance(query.message, Message):
        edit = query.message
    await dispatch(services, inbound, TelegramResponder(context.bot, chat.id, edit))
    menus: TelegramMenus | None = context.application.bot_data.get("menus")
    if menus is not None:
        await menus.after_turn(inbound.sender)


class TelegramChannel:
    """The bot on Telegram: long polling into the inbox, menus, the notifier and the fetcher."""

    name = CHANNEL
    capabilities = CAPABILITIES

    def __init__(self, settings: Any, services: Services, *, rate_limited: bool = True,
                 web: WebServer | None = None,
                 shared_rate: Callable[[], Awaitable[None]] | None = None) -> None:
        self._updates_request = UpdatesRequest()
        builder = (
            ApplicationBuilder()
            .token(settings.bot_token.get_secret_value())
            .base_url(settings.bot_base_url)
            .base_file_url(settings.bot_file_url)
            .request(AiohttpRequest(ANSWER_CONNECTIONS))
            .get_updates_request(self._updates_request)
        )
        if rate_limited:
            # Telegram's limits: ~30 messages/s overall, 20/min per group; retry after a 429.
            limiter: Any = AIORateLimiter(overall_max_rate=settings.send_rate_limit,
                                          max_retries=3)
            if shared_rate is not None:  # several instances: one rate for them all
                limiter = SharedRateLimiter(limiter, shared_rate)
            builder = builder.rate_limiter(limiter)
        self.application: Application = builder.build()
        # The outbox paces itself (bot.services.outbox.Pacer, Telegram's limits): it sends
        # through a Bot without PTB's rate limiter, so no message waits on two limiters.
        # Several connections: one would carry one message per round trip (~10 msg/s at
        # 100 ms), far below the 30/s the pacer allows; the pacer, not the pool, sets the rate.
        self._outbox_bot = Bot(settings.bot_token.get_secret_value(),
                               base_url=settings.bot_base_url,
                               base_file_url=settings.bot_file_url,
                               request=AiohttpRequest(OUTBOX_CONNECTIONS))
        self.application.bot_data["services"] = services
        self._menus: TelegramMenus | None = None
        if services.menus is not None:
            self._menus = TelegramMenus(self.application.bot, services.menus,
                                        services.default_locale)
            self.application.bot_data["menus"] = self._menus
        self.application.add_handler(TypeHandler(Update, _on_update))
        self.application.add_error_handler(ErrorHandler())
        self._services = services
        self._worker = None
        self._poller: TelegramPoller | None = None
        self._webhook_url: str = getattr(settings, "telegram_webhook_url", "")
        self._webhook_secret = ""
        if self._webhook_url:
            self._webhook_secret = settings.telegram_webhook_secret.get_secret_value()
            if not self._webhook_secret or web is None or services.inbox is None:
                raise StartupError(t("cli.telegram_secret_missing"))
        if services.inbox is not None:
            self._worker = services.inbox.worker(CHANNEL, self._process, subject)
            if self._webhook_url:
                assert web is not None
                route = TelegramWebhook(self._webhook_secret, services.inbox, self._worker,
                                        services.clock)
                web.add("POST", WEBHOOK_PATH, route.handle)
            else:
                self._poller = TelegramPoller(self.application.bot, services.inbox,
                                              self._worker, services.clock,
                                              raw=self._updates_request.take_updates)
        self._started = False
        self._menu_task: asyncio.Task[None] | None = None

    async def _process(self, entry: InboxEntry) -> None:
        """Hand one stored update to the Application, as the Updater would have."""
        update = self._poller.take(entry.message_key) if self._poller is not None else None
        if update is None:
            update = Update.de_json(dict(entry.payload), self.application.bot)
        context = CallbackContext.from_update(update, self.application)
        try:
            await _on_update(update, context)
        except BadRequest as exc:  # a NetworkError in PTB, but never worth trying again
            await self.application.process_error(update, exc)
        except (NetworkError, TimedOut):
            # The answer could not be sent (the work itself is committed): the update stays in
            # the inbox and is handled again, which replays the stored answer.
            raise
        except Exception as exc:
            await self.application.process_error(update, exc)

    @property
    def username(self) -> str:
        """The bot's @username (known once started)."""
        return self.application.bot.username

    def invite_link(self, code: str) -> str:
        """The deep link that opens the bot with an invite code."""
        return f"https://t.me/{self.username}?start={code}"

    async def start(self) -> None:
        """Connect (getMe), set the menus, process what the inbox holds, and start polling."""
        await self.application.initialize()
        self._started = True
        await self._outbox_bot.initialize()
        # The default and group menus before the first update (a stranger's app shows them);
        # each person's own menu follows in a task (`_publish_menus`).
        await set_command_menus(self.application.bot, self._services.default_locale)
        if self._webhook_url and self._worker is not None:
            await self.application.start()
            self._worker.start()
            # Telegram keeps what it could not deliver while the bot was down, and sends it now.
            await self.application.bot.set_webhook(
                self._webhook_url, secret_token=self._webhook_secret, drop_pending_updates=False)
        elif self._poller is None or self._worker is None:
            assert self.application.updater is not None
            await self.application.updater.start_polling(poll_interval=0.0, timeout=10)
            await self.application.start()
        else:
            await self.application.start()
            # Updates stored before a crash are processed first, in order, then the new ones.
            self._worker.start()
            await self._poller.start()
        # The menus go out while the first updates are answered, not before: at a restart
        # with new people that is thousands of calls nobody's first answer needs.
        self._menu_task = asyncio.create_task(self._publish_menus(), name="telegram-menus")

    async def _publish_menus(self) -> None:
        if self._poller is not None:
            # After the answers to what was waiting (or a second, on a quiet start).
            with contextlib.suppress(TimeoutError):
                async with asyncio.timeout(MENUS_WAIT_S):
                    await self._poller.first_poll_done.wait()
        if self._menus is None:
            return
        try:
            await self._menus.sync()
        except TelegramError as exc:
            # Tried again after the next message (TelegramMenus.after_turn).
            if self._services.menus is not None:
                self._services.menus.mark_changed()
            log.warning("command menus not published at the start: %s", type(exc).__name__)
        except Exception:
            # A task of its own: nothing would hear its failure but this log (and the stop,
            # which must still close the connections).
            if self._services.menus is not None:
                self._services.menus.mark_changed()
            log.exception("command menus not published at the start")

    async def menus_published(self) -> None:
        """Wait until the menus published at the start are out (or given up)."""
        if self._menu_task is not None:
            await asyncio.shield(self._menu_task)

    def notifier(self) -> TelegramNotifier:
        """The outbox's sender on Telegram."""
        return TelegramNotifier(self._outbox_bot)

    def fetcher(self) -> TelegramFileFetcher:
        """Downloads of files users sent."""
        return TelegramFileFetcher(self.application.bot)

    async def stop(self) -> None:
        """Stop polling and close the connection."""
        if not self._started:
            return
        task, self._menu_task = self._menu_task, None
        if task is not None and self._menus is not None and self._menus.syncing:
            # Menus half published are recorded when the sync ends: wait for it.
            await asyncio.shield(task)
        await cancel_and_wait(task)
        if self._poller is not None:
            await self._poller.stop()
        if self._worker is not None:
            await self._worker.stop()
        assert self.application.updater is not None
        if self.application.updater.running:
            await self.application.updater.stop()
        if self.application.running:
            await self.application.stop()
        await self.application.shutdown()
        await self._outbox_bot.shutdown()
        self._started = False
