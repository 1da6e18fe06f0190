"""Leadership: the scheduled work runs in exactly one instance and moves when it goes."""

from __future__ import annotations

import asyncio

from scheduler.leader import Leadership


class SharedLock:
    """One lock shared by several in-process 'instances'; `lose` breaks the holder's hold."""

    def __init__(self) -> None:
        self.holder: object | None = None

    def for_instance(self) -> InstanceLock:
        return InstanceLock(self)


class InstanceLock:
    def __init__(self, shared: SharedLock) -> None:
        self._shared = shared

    async def acquire(self) -> bool:
        if self._shared.holder in (None, self):
            self._shared.holder = self
            return True
        return False

    async def holds(self) -> bool:
        return self._shared.holder is self

    async def release(self) -> None:
        if self._shared.holder is self:
            self._shared.holder = None


class Work:
    def __init__(self) -> None:
        self.running = False
        self.starts = 0

    async def lead(self) -> None:
        self.running, self.starts = True, self.starts + 1

    async def step_down(self) -> None:
        self.running = False


def instance(shared: SharedLock, work: Work) -> Leadership:
    return Leadership(shared.for_instance(), work.lead, work.step_down, retry_seconds=0.01)


async def test_the_first_instance_leads_before_start_returns_and_the_second_waits():
    shared, first_work, second_work = SharedLock(), Work(), Work()
    first, second = instance(shared, first_work), instance(shared, second_work)
    await first.start()
    await second.start()
    assert first.leading and first_work.running
    assert not second.leading and not second_work.running
    await asyncio.sleep(0.05)
    assert not second_work.running and first_work.starts == 1  # no flapping
    await first.stop()
    await second.stop()


async def test_when_the_leader_stops_another_instance_takes_over():
    shared, first_work, second_work = SharedLock(), Work(), Work()
    first, second = instance(shared, first_work), instance(shared, second_work)
    await first.start()
    await second.start()
    await first.stop()
    assert not first_work.running
    await asyncio.wait_for(second.wait_changed(), 2)
    assert second.leading and second_work.running
    await second.stop()
    assert not second_work.running and shared.holder is None


async def test_a_leader_that_lost_its_lock_stops_its_work_at_once():
    shared, first_work, second_work = SharedLock(), Work(), Work()
    first, second = instance(shared, first_work), instance(shared, second_work)
    await first.start()
    await second.start()
    shared.holder = None  # the database ended the leader's session
    await asyncio.wait_for(first.wait_changed(), 2) if first.leading else None
    for _ in range(100):
        if second_work.running and not first_work.running:
            break
        await asyncio.sleep(0.01)
    assert (first_work.running, second_work.running).count(True) == 1
    await first.stop()
    await second.stop()
