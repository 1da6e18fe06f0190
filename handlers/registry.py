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


def register_handlers(application: Application) -> None:
    """Attach all handlers to an Application."""
    # A deep link arrives as "/start CODE"; a bare /start is the greeting.
    application.add_handler(
        CommandHandler(START.names, registration.start_with_code, has_args=True)
    )
    application.add_handler(CommandHandler(START.names, common.start))
    application.add_handler(CommandHandler(HELP.names, common.help_command))
    application.add_handler(CommandHandler(REGISTER.names, registration.start_with_code))
    application.add_handler(CommandHandler(CANCEL.names, registration.cancel))
    application.add_handler(CommandHandler(UNITS.names, registration.units))
    application.add_handler(CommandHandler(INVITE.names, registration.invite))
    application.add_handler(CommandHandler(PRIVACY.names, registration.privacy))
    application.add_handler(CommandHandler(FORGET.names, registration.forget))
    application.add_handler(CommandHandler(LANG.names, language.choose_language))
    application.add_handler(CallbackQueryHandler(language.press_language, pattern=r"^lang:"))
    # Feature modules: each adds its own commands and callbacks here, one line each.
    application.add_handler(CommandHandler(TIMELINE.names, reminders.timeline))
    application.add_handler(CommandHandler(REMIND.names, reminders.remind))
    application.add_handler(CommandHandler(BROADCAST.names, reminders.broadcast))
    application.add_handler(CommandHandler(SETGROUP.names, reminders.set_group))
    application.add_handler(CommandHandler(SUMMARY.names, summary.summary))
    application.add_handler(CommandHandler(EXPORT.names, summary.export))
    application.add_handler(CommandHandler(TASKS.names, reports_handlers.tasks))
    application.add_handler(CommandHandler(REPORT.names, reports_handlers.report))
    application.add_handler(CommandHandler(MY_REPORTS.names, reports_handlers.my_reports))

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
