"""python-telegram-bot handlers: parse input, call one service, render one text key."""

from handlers.menu import set_command_menus
from handlers.registry import register_handlers

__all__ = ["register_handlers", "set_command_menus"]
