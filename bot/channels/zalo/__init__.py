"""The Zalo Bot Platform transport: an API client, event parsing, a webhook route and a poller.

Nothing here imports the bot's core; the core plugs in through ``on_event`` callbacks.
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
