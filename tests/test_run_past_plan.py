"""`daumoi run` with a token on the shipped plan (2023): it says the campaign ended, and how to
rehearse it, once the bot is up; with a rehearsal date it says nothing of the kind."""

from __future__ import annotations

import asyncio
import signal
import time

import pytest

from bot.fakeserver import FakeBotApi
from tests.conftest import TOKEN
from tests.inbox.test_crash import _start

pytestmark = pytest.mark.timeout(90)


async def _stderr_once_up(tmp_path, monkeypatch, event_date: str | None) -> str:
    if event_date:
        monkeypatch.setenv("PLAN_EVENT_DATE", event_date)
    else:
        monkeypatch.delenv("PLAN_EVENT_DATE", raising=False)
    async with FakeBotApi(token=TOKEN, bot_username="daumoi_bot") as fake:
        bot = await _start(fake, tmp_path / "daumoi.sqlite3", tmp_path)
        try:
            await fake.wait_for_poll(timeout=30)
            deadline = time.monotonic() + 5
            while "--event-date" not in (tmp_path / "stderr.log").read_text():
                if time.monotonic() > deadline:
                    break
                await asyncio.sleep(0.05)
            bot.send_signal(signal.SIGINT)
            assert await asyncio.wait_for(bot.wait(), 20) == 0
        finally:
            if bot.returncode is None:
                bot.kill()
                await bot.wait()
    return (tmp_path / "stderr.log").read_text()


async def test_run_on_the_ended_shipped_plan_says_so_in_one_paragraph(tmp_path, monkeypatch):
    stderr = await _stderr_once_up(tmp_path, monkeypatch, None)
    [paragraph] = [line for line in stderr.splitlines() if "--event-date" in line]
    assert "đã kết thúc" in paragraph and "PLAN_EVENT_DATE=" in paragraph


async def test_a_rehearsal_date_ahead_runs_without_the_warning(tmp_path, monkeypatch):
    stderr = await _stderr_once_up(tmp_path, monkeypatch, "2099-11-25")
    assert "đã kết thúc" not in stderr and "Hạn cử đầu mối" not in stderr
    # The plan's warnings (Kon Tum: leads that name no focal point) in one line, not six.
    [line] = [line for line in stderr.splitlines() if "daumoi plan check" in line]
    assert "6 cảnh báo" in line and "plans/kontum-2023.yaml" in line
