"""The Zalo Bot Platform channel.

The transport (``api``, ``updates``, ``webhook``, ``poller``) imports nothing of the bot's core;
``channel``, ``inbound``, ``responder`` and ``notifier`` plug it into the core.
"""

from .api import (
    DEFAULT_BASE_URL,
    MAX_TEXT,
    ZaloApi,
    ZaloApiError,
    ZaloBadRequest,
    ZaloError,
    ZaloNetworkError,
    ZaloRateLimited,
    ZaloUnauthorized,
)
from .poller import ZaloPoller
from .updates import ZaloEvent, parse_events, strip_mention
from .webhook import SECRET_HEADER, ZaloWebhook, add_webhook_route, webhook_route

__all__ = [
    "DEFAULT_BASE_URL",
    "MAX_TEXT",
    "SECRET_HEADER",
    "ZaloApi",
    "ZaloApiError",
    "ZaloBadRequest",
    "ZaloError",
    "ZaloEvent",
    "ZaloNetworkError",
    "ZaloPoller",
    "ZaloRateLimited",
    "ZaloUnauthorized",
    "ZaloWebhook",
    "add_webhook_route",
    "parse_events",
    "strip_mention",
    "webhook_route",
]

from .channel import ZaloChannel  # noqa: E402  (the glue to the core, after the transport)

__all__ += ["ZaloChannel"]
