"""What the channels' webhooks share: the secret, content type, size and JSON checks of a POST."""

from __future__ import annotations

import hmac
import json
import logging
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:  # aiohttp is imported only by a bot that serves web routes
    from aiohttp import web

logger = logging.getLogger(__name__)

CHUNK = 64 * 1024


async def read_capped(request: web.Request, limit: int) -> bytes | None:
    """Return the request body, or None as soon as it proves longer than ``limit`` bytes."""
    if request.content_length is not None and request.content_length > limit:
        return None
    chunks, size = [], 0
    async for chunk in request.content.iter_chunked(CHUNK):
        size += len(chunk)
        if size > limit:
            return None
        chunks.append(chunk)
    return b"".join(chunks)


@dataclass(frozen=True)
class WebhookGate:
    """A platform's webhook contract: the secret in a header, a JSON body of bounded size."""

    platform: str
    header: str
    secret: bytes
    max_body: int

    def authorised(self, request: web.Request) -> bool:
        """Whether the request carries the secret (constant-time compare)."""
        return hmac.compare_digest(request.headers.get(self.header, "").encode(), self.secret)

    async def body(self, request: web.Request) -> Any | web.Response:
        """The parsed JSON body, or the refusal: 403 secret, 415 type, 413 size, 400 JSON.

        The checks go in that order so that a request without the secret is not even read.
        """
        from aiohttp import web

        if not self.authorised(request):
            logger.warning("%s webhook: wrong or missing secret, refused", self.platform)
            return web.Response(status=403, text="Forbidden")
        if request.content_type != "application/json":
            return web.Response(status=415, text="Unsupported Media Type")
        raw = await read_capped(request, self.max_body)
        if raw is None:
            return web.Response(status=413, text="Payload Too Large")
        try:
            return json.loads(raw)
        except ValueError:  # includes bad UTF-8
            return web.Response(status=400, text="Bad Request")
