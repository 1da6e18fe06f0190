"""ZaloPoller against the fake server: order, backoff without tight loops, 401, clean stop."""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import AsyncIterator

import pytest

from bot.channels.zalo import ZaloApi, ZaloEvent, ZaloPoller, ZaloUnauthorized
from bot.fakezalo import FakeZaloApi

from .conftest import SECRET


class FakeTime:
    """An injectable sleep that only advances a fake clock (and yields to the loop)."""

    def __init__(self, until: float | None = None) -> None:
        self.now = 0.0
        self.sleeps: list[float] = []
        self.until = until
        self.reached = asyncio.Event()

    async def sleep(self, seconds: float) -> None:
        self.sleeps.append(seconds)
        self.now += seconds
        if self.until is not None and self.now >= self.until:
            self.reached.set()
        await asyncio.sleep(0)


class Inbox:
    """Collects events; ``wait(n)`` returns once n have arrived."""

    def __init__(self) -> None:
        self.events: list[ZaloEvent] = []
        self.changed = asyncio.Event()

    async def __call__(self, event: ZaloEvent) -> None:
        self.events.append(event)
        self.changed.set()

    async def wait(self, count: int, timeout: float = 5.0) -> list[ZaloEvent]:
        async with asyncio.timeout(timeout):
            while len(self.events) < count:
                self.changed.clear()
                await self.changed.wait()
        return self.events


@pytest.fixture
async def stopping() -> AsyncIterator[list[ZaloPoller]]:
    pollers: list[ZaloPoller] = []
    yield pollers
    for poller in pollers:
        await poller.stop()


def make(client: ZaloApi, inbox, pollers: list[ZaloPoller], **kwargs) -> ZaloPoller:
    poller = ZaloPoller(client, inbox, **{"timeout_s": 1, **kwargs})
    pollers.append(poller)
    return poller


async def test_receives_events_in_order(client, fake: FakeZaloApi, stopping) -> None:
    inbox = Inbox()
    poller = make(client, inbox, stopping)
    await poller.start()
    assert fake.calls[0].method == "deleteWebhook"  # "not set" (400) is ignored
    lan = fake.add_user("Lan")
    for text in ("một", "hai", "ba"):
        fake.send_text(lan, text)
    fake.send_photo(lan, caption="ảnh")
    events = await inbox.wait(4)
    assert [e.text for e in events] == ["một", "hai", "ba", None]
    assert events[3].caption == "ảnh" and poller.running and poller.backoffs == []


async def test_start_deletes_a_webhook(client, fake: FakeZaloApi, stopping) -> None:
    await client.set_webhook("https://bot.example.vn/zalo/webhook", SECRET)
    inbox = Inbox()
    await make(client, inbox, stopping).start()
    assert fake.webhook is None
    fake.send_text(fake.add_user("Lan"), "hi")
    assert [e.text for e in await inbox.wait(1)] == ["hi"]


async def test_backs_off_on_5xx_then_recovers(client, fake: FakeZaloApi, stopping) -> None:
    clock = FakeTime()
    fake.fail_next("getUpdates", 500, "Internal server error", http_status=502, times=5)
    inbox = Inbox()
    poller = make(client, inbox, stopping, sleep=clock.sleep)
    await poller.start()
    fake.send_text(fake.add_user("Lan"), "sau cơn mưa")
    await inbox.wait(1)
    assert poller.backoffs == [1, 2, 4, 8, 16]
    failed = [c for c in fake.calls_to("getUpdates") if not c.ok]
    assert len(failed) == 5 and clock.now == 31


async def test_persistent_429_does_not_loop_tightly(client, fake, stopping, caplog) -> None:
    caplog.set_level(logging.WARNING, logger="bot.channels.zalo")
    clock = FakeTime(until=600)
    fake.fail_next("getUpdates", 429, "Quota exceeded", times=10_000)
    poller = make(client, Inbox(), stopping, sleep=clock.sleep)
    await poller.start()
    await asyncio.wait_for(clock.reached.wait(), 5)
    await poller.stop()
    calls = len(fake.calls_to("getUpdates"))
    # 1+2+4+8+16+32 then 60 s each: 600 fake seconds take about 15 calls, not thousands
    assert calls <= 16 and max(poller.backoffs) == 60
    assert poller.backoffs[:7] == [1, 2, 4, 8, 16, 32, 60]
    quota_lines = [r for r in caplog.records if "quota" in r.getMessage().lower()]
    assert len(quota_lines) == len(poller.backoffs)  # one line per backoff


async def test_backoff_resets_after_a_good_answer(client, fake, stopping) -> None:
    clock = FakeTime()
    inbox = Inbox()
    poller = make(client, inbox, stopping, sleep=clock.sleep)
    lan = fake.add_user("Lan")
    fake.fail_next("getUpdates", 500, "Internal server error", times=2)
    await poller.start()
    fake.send_text(lan, "một")
    await inbox.wait(1)
    fake.fail_next("getUpdates", 500, "Internal server error", times=1)
    fake.send_text(lan, "hai")
    await inbox.wait(2)
    assert poller.backoffs == [1, 2, 1]


async def test_the_poller_stops_without_retrying_when_the_token_is_refused(client, fake: FakeZaloApi, stopping) -> None:
    clock = FakeTime()
    fake.fail_next("getUpdates", 401, "Unauthorized")
    poller = make(client, Inbox(), stopping, sleep=clock.sleep)
    await poller.start()
    with pytest.raises(ZaloUnauthorized):
        await asyncio.wait_for(poller.wait(), 5)
    assert not poller.running and isinstance(poller.failed, ZaloUnauthorized)
    assert len(fake.calls_to("getUpdates")) == 1 and clock.sleeps == []


async def test_start_raises_on_401(client, fake: FakeZaloApi, stopping) -> None:
    fake.fail_next("deleteWebhook", 401, "Unauthorized")
    poller = make(client, Inbox(), stopping)
    with pytest.raises(ZaloUnauthorized):
        await poller.start()
    assert not poller.running


async def test_on_event_is_awaited_before_the_next_poll(client, fake, stopping) -> None:
    release = asyncio.Event()
    inbox = Inbox()

    async def slow(event: ZaloEvent) -> None:
        await release.wait()
        await inbox(event)

    poller = make(client, slow, stopping)
    await poller.start()
    lan = fake.add_user("Lan")
    fake.send_text(lan, "một")
    fake.send_text(lan, "hai")
    await fake.wait_for_call("getUpdates")
    await asyncio.sleep(0.2)
    assert len(fake.calls_to("getUpdates")) == 1 and inbox.events == []
    release.set()
    assert [e.text for e in await inbox.wait(2)] == ["một", "hai"]


async def test_a_failing_on_event_is_logged_and_polling_goes_on(
    client, fake, stopping, caplog
) -> None:
    inbox = Inbox()

    async def flaky(event: ZaloEvent) -> None:
        if event.text == "nổ":
            raise RuntimeError("boom")
        await inbox(event)

    await make(client, flaky, stopping).start()
    lan = fake.add_user("Lan")
    fake.send_text(lan, "nổ")
    fake.send_text(lan, "tiếp")
    assert [e.text for e in await inbox.wait(1)] == ["tiếp"]
    assert "boom" in caplog.text


async def test_stop_cancels_a_long_poll_cleanly(client, fake: FakeZaloApi, stopping) -> None:
    poller = make(client, Inbox(), stopping, timeout_s=30)
    await poller.start()
    await fake.wait_for_poll()
    started = time.monotonic()
    await poller.stop()
    assert time.monotonic() - started < 1 and not poller.running and poller.failed is None
    await poller.wait()  # nothing to raise


async def test_stop_waits_for_the_event_being_handled(client, fake, stopping) -> None:
    entered, release = asyncio.Event(), asyncio.Event()
    done: list[str] = []

    async def handler(event: ZaloEvent) -> None:
        entered.set()
        await release.wait()
        done.append(event.text or "")

    poller = make(client, handler, stopping)
    await poller.start()
    fake.send_text(fake.add_user("Lan"), "xong đã")
    await asyncio.wait_for(entered.wait(), 5)
    stopper = asyncio.create_task(poller.stop())
    await asyncio.sleep(0.05)
    assert not stopper.done()
    release.set()
    await asyncio.wait_for(stopper, 5)
    assert done == ["xong đã"] and not poller.running


async def test_an_instant_empty_answer_is_not_a_tight_loop(stopping) -> None:
    class InstantEmpty:
        calls = 0

        async def delete_webhook(self) -> dict:
            return {}

        async def get_update(self, timeout_s: float) -> None:
            self.calls += 1
            return None

    clock = FakeTime(until=10)
    api = InstantEmpty()
    poller = ZaloPoller(api, Inbox(), timeout_s=30, sleep=clock.sleep, clock=lambda: clock.now)
    stopping.append(poller)
    await poller.start()
    await asyncio.wait_for(clock.reached.wait(), 5)
    await poller.stop()
    assert api.calls <= 22  # about one poll per half second of (fake) time
