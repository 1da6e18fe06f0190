"""Housekeeping runs at most once an hour on the injected clock."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from bot.services.housekeeping import REPLAY_WINDOW, HousekeepingService


class _Rows:
    def __init__(self, log: list[tuple[str, datetime]]) -> None:
        self._log = log

    async def delete_older_than(self, cutoff: datetime) -> int:
        self._log.append(("answers", cutoff))
        return 2

    async def delete_expired(self, now: datetime) -> int:
        self._log.append(("conversations", now))
        return 1


class _Uow:
    def __init__(self, log: list[tuple[str, datetime]]) -> None:
        self.updates = self.conversations = _Rows(log)
        self._log = log

    async def __aenter__(self) -> _Uow:
        return self

    async def __aexit__(self, *exc: object) -> None:
        return None

    async def commit(self) -> None:
        self._log.append(("commit", datetime.min))


NOON = datetime(2026, 12, 2, 12, tzinfo=UTC)


async def test_prune_forgets_answers_older_than_the_window_and_commits():
    log: list[tuple[str, datetime]] = []
    housekeeping = HousekeepingService(lambda: _Uow(log))
    assert await housekeeping.prune(NOON) == 3
    assert log == [("answers", NOON - REPLAY_WINDOW), ("conversations", NOON),
                   ("commit", datetime.min)]


async def test_prune_runs_at_most_once_an_hour():
    log: list[tuple[str, datetime]] = []
    housekeeping = HousekeepingService(lambda: _Uow(log))
    await housekeeping.prune(NOON)
    log.clear()
    assert await housekeeping.prune(NOON + timedelta(minutes=59)) == 0
    assert log == []
    assert await housekeeping.prune(NOON + timedelta(hours=1)) == 3
