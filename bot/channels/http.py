"""What the channels' webhooks share: reading a request body without trusting its length."""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:  # aiohttp is imported only by a bot that serves web routes
    from aiohttp import web

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
