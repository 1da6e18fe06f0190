"""One send rate for all instances: sending moments reserved from a row in PostgreSQL.

Each instance reserves its next `chunk` moments in one statement (`next_at` moves on by
`chunk / rate` seconds, from whichever is later, the row or the server's clock), then sends one
message per moment. The moments of all instances are so spaced `1 / rate` apart on the
server's clock: the platform never sees more than `rate` messages a second from the bot, however
many instances send. A chunk costs one round trip per `chunk` messages; moments an idle
instance reserved and did not use are lost, at most `chunk / rate` seconds of sending.
"""

from __future__ import annotations

import asyncio
import time
from collections import deque
from collections.abc import Awaitable, Callable

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine

_RESERVE = text(
    "INSERT INTO send_slots (channel, next_at) "
    "VALUES (:channel, extract(epoch from clock_timestamp()) + :span) "
    "ON CONFLICT (channel) DO UPDATE SET next_at = "
    "greatest(send_slots.next_at, extract(epoch from clock_timestamp())) + :span "
    "RETURNING next_at, extract(epoch from clock_timestamp())"
)


class PgSendSlots:
    """Waits for this instance's next sending moment on a channel (see the module docstring)."""

    def __init__(
        self, engine: AsyncEngine, channel: str, rate: float, chunk: int | None = None,
        monotonic: Callable[[], float] = time.monotonic,
        sleep: Callable[[float], Awaitable[None]] = asyncio.sleep,
    ) -> None:
        self._engine = engine
        self.channel = channel
        self.step = 1 / rate
        # A tenth of a second of sending per round trip (at least 3 moments).
        self.chunk = chunk or max(3, int(rate / 10))
        self._monotonic = monotonic
        self._sleep = sleep
        self._moments: deque[float] = deque()  # local monotonic times
        self._lock = asyncio.Lock()
        #: Every moment reserved, on the server's clock (tests and the load bench read it).
        self.reserved: list[float] = []

    async def take(self) -> None:
        """Return at this instance's next sending moment."""
        async with self._lock:
            if not self._moments:
                await self._reserve()
            moment = self._moments.popleft()
        delay = moment - self._monotonic()
        if delay > 0:
            await self._sleep(delay)

    async def _reserve(self) -> None:
        span = self.chunk * self.step
        async with self._engine.connect() as connection:
            row = (await connection.execute(
                _RESERVE, {"channel": self.channel, "span": span})).one()
            await connection.commit()
        end, server_now = float(row[0]), float(row[1])
        offset = self._monotonic() - server_now  # server clock -> this process's clock
        first = end - span
        for index in range(self.chunk):
            at = first + index * self.step
            self.reserved.append(at)
            self._moments.append(at + offset)
