"""The bot's own HTTP server (aiohttp): channel webhooks and signed, expiring file links."""

from bot.web.files import FileLinks
from bot.web.server import WebServer

__all__ = ["FileLinks", "WebServer"]
