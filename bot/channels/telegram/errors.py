"""What happens when handling a Telegram update fails: one log line, and a polite answer.

No traceback and no exception text reach the log, since either may hold what a person typed
(a name, a phone number); the line names the update, the error's type and where it was raised,
which is enough to find it again at `LOG_LEVEL=DEBUG` in a test run.
"""

from __future__ import annotations

import contextlib
import logging
import time
import traceback
from typing import Any

from telegram import Update
from telegram.error import BadRequest, NetworkError, RetryAfter, TelegramError
from telegram.ext import ContextTypes

from bot.channels.telegram.inbound import address
from bot.texts import pick_locale, t

logger = logging.getLogger(__name__)

#: Telegram's words when a button press is answered too late (after a restart, a redelivery).
_TOO_OLD = ("query is too old", "query id is invalid")
#: One warning per flood: 429s within this many seconds of the last warning are only counted.
FLOOD_WARNING_EVERY = 60.0


def is_too_old(error: BaseException) -> bool:
    """Whether the error is Telegram refusing to answer a button press that is too old."""
    return isinstance(error, BadRequest) and any(
        words in error.message.lower() for words in _TOO_OLD
    )


def _where(error: BaseException) -> str:
    frames = traceback.extract_tb(error.__traceback__)
    if not frames:
        return "?"
    last = frames[-1]
    return f"{last.filename.rsplit('/', 1)[-1]}:{last.lineno}"


class ErrorHandler:
    """PTB's error callback for the daumoi Application."""

    def __init__(self, monotonic: Any = time.monotonic) -> None:
        self._monotonic = monotonic
        self._flood_warned: float | None = None
        self._flood_count = 0

    async def __call__(self, update: object, context: ContextTypes.DEFAULT_TYPE) -> None:
        """Log the failure in one line and, where there is a person, answer them."""
        error = context.error
        if error is None:
            return
        update_id = update.update_id if isinstance(update, Update) else None
        if is_too_old(error):
            logger.debug("update %s: a button press answered too late", update_id)
            return
        if isinstance(error, RetryAfter):
            self._flood(error)
            return  # flooded: one more message would only make it worse
        if not isinstance(update, Update) or update.effective_chat is None:
            # Channel posts, inline queries, updates from the poller itself: nobody to answer.
            logger.warning("update %s: %s at %s (no chat to answer)", update_id,
                           type(error).__name__, _where(error))
            return
        if isinstance(error, NetworkError) and not isinstance(error, BadRequest):
            # Telegram unreachable or failing (time-out, 5xx) while answering: the work was
            # committed before the answer, so "try again" would mislead, and the apology
            # would most likely fail the same way.
            logger.warning("update %s: the answer could not be sent (%s at %s)", update_id,
                           type(error).__name__, _where(error))
            return
        logger.error("update %s failed: %s at %s", update_id, type(error).__name__,
                     _where(error))
        await self._apologise(update, context)

    def _flood(self, error: RetryAfter) -> None:
        now = self._monotonic()
        self._flood_count += 1
        if self._flood_warned is not None and now - self._flood_warned < FLOOD_WARNING_EVERY:
            logger.debug("Telegram flood control: retry after %s", error.retry_after)
            return
        logger.warning("Telegram flood control: answers held back (retry after %s s; %d such "
                       "errors so far); the outbox resends what it queued",
                       error.retry_after, self._flood_count)
        self._flood_warned = now

    async def _apologise(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        chat, user = update.effective_chat, update.effective_user
        assert chat is not None
        services = context.application.bot_data.get("services")
        default = services.default_locale if services is not None else "vi"
        locale = pick_locale(user.language_code if user else None, default)
        if user is not None and services is not None:
            locale = services.preferences.locale_of(address(user.id)) or locale
        # If even the apology cannot be sent (the chat is gone, a flood), there is nothing left
        # to do: the line above is in the log.
        with contextlib.suppress(TelegramError):
            if update.callback_query is not None:
                with contextlib.suppress(TelegramError):
                    await update.callback_query.answer()
            await context.bot.send_message(chat.id, t("common.internal_error", locale))
