"""Every handler, registered in one visible list; order matters."""

from __future__ import annotations

from telegram.ext import (
    Application,
    CallbackQueryHandler,
    CommandHandler,
    MessageHandler,
    filters,
)

from handlers import common, language, registration, reminders, summary
from handlers import reports as reports_handlers
from handlers.menu import (
    BROADCAST,
    CANCEL,
    EXPORT,
    FORGET,
    HELP,
    INVITE,
    LANG,
    MY_REPORTS,
    PRIVACY,
    REGISTER,
    REMIND,
    REPORT,
    SETGROUP,
    START,
    SUMMARY,
    TASKS,
    TIMELINE,
    UNITS,
)

# Each command and what answers it; a deep-link /start CODE is registered before these.
COMMANDS = (
    (START, common.start),
    (HELP, common.help_command),
    (REGISTER, registration.start_with_code),
    (CANCEL, registration.cancel),
    (UNITS, registration.units),
    (INVITE, registration.invite),
    (PRIVACY, registration.privacy),
    (FORGET, registration.forget),
    (LANG, language.choose_language),
    (TIMELINE, reminders.timeline),
    (REMIND, reminders.remind),
    (BROADCAST, reminders.broadcast),
    (SETGROUP, reminders.set_group),
    (SUMMARY, summary.summary),
    (EXPORT, summary.export),
    (TASKS, reports_handlers.tasks),
    (REPORT, reports_handlers.report),
    (MY_REPORTS, reports_handlers.my_reports),
)


def register_handlers(application: Application) -> None:
    """Attach all handlers to an Application."""
    # A deep link arrives as "/start CODE"; a bare /start is the greeting.
    application.add_handler(
        CommandHandler(START.names, registration.start_with_code, has_args=True)
    )
    for command, callback in COMMANDS:
        application.add_handler(CommandHandler(command.names, callback))
    application.add_handler(CallbackQueryHandler(language.press_language, pattern=r"^lang:"))

    application.add_handler(CallbackQueryHandler(registration.press_choice, pattern=r"^c:"))
    application.add_handler(CallbackQueryHandler(registration.forged_button))
    # In a private chat, anything else is the next answer of an open conversation.
    application.add_handler(
        MessageHandler(
            filters.ChatType.PRIVATE & filters.UpdateType.MESSAGE & ~filters.COMMAND,
            registration.converse,
        )
    )
    # Fallbacks last: anything no handler above took.
    application.add_handler(MessageHandler(filters.COMMAND, common.unknown_command))
    application.add_handler(
        MessageHandler(filters.UpdateType.MESSAGE & ~filters.COMMAND, common.not_understood)
    )
