"""A fake Zalo Bot Platform API server for tests and a local sandbox.

Point a Zalo client at it and play users from the test::

    async with FakeZaloApi(token="1234567890:zalo-test-secret") as api:
        client = ZaloApi(api.token, base_url=api.url)
        user = api.add_user("Lan")
        api.send_text(user, "xin chào")
        event = await client.get_update(timeout_s=1)
        await client.send_message(user.id, "chào Lan")
        reply = await api.wait_for_message(user.id)

Events go to the webhook when the bot has set one (POSTed with ``X-Bot-Api-Secret-Token``),
otherwise they wait for ``getUpdates``, which answers one event per call or HTTP 408.
"""

from .methods import MAX_TEXT, ApiError, Fault
from .server import SECRET_HEADER, FakeZaloApi
from .world import CallRecord, Delivery, Group, SentMessage, User, tiny_png

__all__ = [
    "MAX_TEXT",
    "SECRET_HEADER",
    "ApiError",
    "CallRecord",
    "Delivery",
    "FakeZaloApi",
    "Fault",
    "Group",
    "SentMessage",
    "User",
    "tiny_png",
]
