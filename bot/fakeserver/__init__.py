"""A fake Telegram Bot API server for end-to-end tests and a local sandbox.

Point the real python-telegram-bot at it::

    async with FakeBotApi(token="123:ABC") as api:
        app = (
            ApplicationBuilder().token("123:ABC")
            .base_url(api.base_url).base_file_url(api.base_file_url).build()
        )
        user = api.add_user("Lan")
        api.send_text(user, "/start")
        reply = await api.wait_for_message(user.id)
"""

from .limits import FloodLimits
from .server import FakeBotApi, Fault
from .spec import ApiError, Spec, Upload
from .world import CallRecord, Chat, SentMessage, StoredFile, User

__all__ = [
    "ApiError",
    "CallRecord",
    "Chat",
    "FakeBotApi",
    "Fault",
    "FloodLimits",
    "SentMessage",
    "Spec",
    "StoredFile",
    "Upload",
    "User",
]
