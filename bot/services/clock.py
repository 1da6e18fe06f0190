"""Time as an injected dependency, so tests and the sandbox can move it."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Protocol


class Clock(Protocol):
    """Something that tells the current time as an aware UTC datetime."""

    def now(self) -> datetime:
        """The current time, aware, in UTC."""
        ...


class SystemClock:
    """The machine's clock."""

    def now(self) -> datetime:
        """The current time, aware, in UTC."""
        return datetime.now(UTC)


class FixedClock:
    """A clock that moves only when told to (tests, the sandbox)."""

    def __init__(self, start: datetime) -> None:
        if start.tzinfo is None:
            raise ValueError("FixedClock needs an aware datetime")
        self._now = start.astimezone(UTC)

    def now(self) -> datetime:
        """The current simulated time."""
        return self._now

    def set(self, moment: datetime) -> None:
        """Move to a moment; moving backwards is refused."""
        moment = moment.astimezone(UTC)
        if moment < self._now:
            raise ValueError("the clock cannot go backwards")
        self._now = moment

    def advance(self, delta: timedelta) -> datetime:
        """Move forward by a duration and return the new time."""
        self.set(self._now + delta)
        return self._now
