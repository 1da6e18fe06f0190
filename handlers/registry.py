"""Every handler, registered in one visible list; order matters."""

from __future__ import annotations

from telegram.ext import Application, CommandHandler, MessageHandler, filters

from handlers import common
from handlers.menu import HELP, START


def register_handlers(application: Application) -> None:
    """Attach all handlers to an Application."""
    application.add_handler(CommandHandler(START.names, common.start))
    application.add_handler(CommandHandler(HELP.names, common.help_command))
    # Feature modules: each adds its own commands and callbacks here, one line each.

    # Fallbacks last: anything no handler above took.
    application.add_handler(MessageHandler(filters.COMMAND, common.unknown_command))
    application.add_handler(
        MessageHandler(filters.UpdateType.MESSAGE & ~filters.COMMAND, common.not_understood)
    )
