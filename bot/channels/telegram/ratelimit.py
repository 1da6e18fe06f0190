"""PTB's rate limiter, behind the send rate that several instances share."""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Coroutine
from typing import Any

from telegram.ext import AIORateLimiter, BaseRateLimiter

#: The methods that put a message in a chat: Telegram's ~30 a second counts these.
SENDING = frozenset({
    "sendmessage", "sendphoto", "senddocument", "sendmediagroup", "editmessagetext",
    "editmessagecaption", "editmessagereplymarkup", "copymessage", "forwardmessage",
})


class SharedRateLimiter(BaseRateLimiter[int]):
    """Each message first waits for this instance's turn in the shared rate, then for PTB's
    own limiter (per chat, per group, and the retry after a 429)."""

    def __init__(self, inner: AIORateLimiter, take: Callable[[], Awaitable[None]]) -> None:
        self._inner = inner
        self._take = take

    async def initialize(self) -> None:
        """Start the inner limiter."""
        await self._inner.initialize()

    async def shutdown(self) -> None:
        """Stop the inner limiter."""
        await self._inner.shutdown()

    async def process_request(
        self,
        callback: Callable[..., Coroutine[Any, Any, bool | dict[str, Any] | list[dict[str, Any]]]],
        args: Any,
        kwargs: dict[str, Any],
        endpoint: str,
        data: dict[str, Any],
        rate_limit_args: int | None,
    ) -> bool | dict[str, Any] | list[dict[str, Any]]:
        """Wait for the shared turn if the call sends a message, then go through PTB's."""
        if endpoint.lower() in SENDING:
            await self._take()
        return await self._inner.process_request(
            callback, args, kwargs, endpoint, data, rate_limit_args)
