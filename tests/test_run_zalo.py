"""`daumoi run` as a real process on Zalo only: polling, webhook, and a rejected token."""

from __future__ import annotations

import asyncio
import os
import signal
import socket
import sys
from pathlib import Path

from bot.fakezalo import FakeZaloApi

ROOT = Path(__file__).resolve().parent.parent
TOKEN = "1234567890:zalo-test-secret"


def _env(tmp_path: Path, zalo: FakeZaloApi, **extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items()
           if k not in ("BOT_TOKEN", "DATABASE_URL", "ZALO_BOT_TOKEN")}
    env.update(NO_PROXY="127.0.0.1,localhost", PLAN_FILE=str(ROOT / "plans/kontum-2023.yaml"),
               DATABASE_URL=f"sqlite+aiosqlite:///{tmp_path / 'db.sqlite3'}",
               ZALO_BOT_TOKEN=TOKEN, ZALO_API_URL=zalo.url, PLAN_EVENT_DATE="2026-12-10",
               WEB_LISTEN=f"127.0.0.1:{_free_port()}", **extra)
    return env


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


async def _start(tmp_path: Path, env: dict[str, str]) -> asyncio.subprocess.Process:
    return await asyncio.create_subprocess_exec(
        sys.executable, "-m", "bot", "run", cwd=tmp_path, env=env,
        stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE)


async def _stop(process: asyncio.subprocess.Process) -> tuple[int, str]:
    if process.returncode is None:
        process.send_signal(signal.SIGTERM)
    try:
        code = await asyncio.wait_for(process.wait(), 30)
    finally:
        if process.returncode is None:
            process.kill()
    err = (await process.stderr.read()).decode()  # type: ignore[union-attr]
    return code, err


async def test_a_rejected_zalo_token_stops_the_process_with_one_line(tmp_path):
    async with FakeZaloApi(token="999:the-real-one") as zalo:
        process = await _start(tmp_path, _env(tmp_path, zalo))
        try:
            await asyncio.wait_for(process.wait(), 60)  # it stops by itself
        finally:
            code, err = await _stop(process)
    assert code == 2, err
    assert "ZALO_BOT_TOKEN" in err and "Traceback" not in err
    assert TOKEN not in err and "zalo-test-secret" not in err


async def test_the_bot_answers_on_zalo_by_polling_and_by_webhook(tmp_path):
    async with FakeZaloApi(token=TOKEN) as zalo:
        process = await _start(tmp_path, _env(tmp_path, zalo))
        person = zalo.add_user("Lan")
        try:
            zalo.send_text(person, "/toi")
            answer = await zalo.wait_for_message(person.id, timeout=30)
            assert f"zalo:{person.id}" in answer.text
        finally:
            code, err = await _stop(process)
        assert code == 0, err
        assert "Traceback" not in err and TOKEN not in err

        env = _env(tmp_path, zalo, ZALO_WEBHOOK_SECRET="a-long-enough-secret")
        env["ZALO_WEBHOOK_URL"] = f"http://{env['WEB_LISTEN']}/zalo/webhook"
        process = await _start(tmp_path, env)
        try:
            for _ in range(300):
                if zalo.webhook:
                    break
                await asyncio.sleep(0.05)
            assert zalo.webhook and zalo.webhook["secret_token"] == "a-long-enough-secret"
            zalo.send_text(person, "/toi", wrong_secret=True)
            assert (await zalo.wait_for_delivery(timeout=30)).status == 403
            zalo.send_text(person, "toi")
            answer = await zalo.wait_for_message(person.id, timeout=30)
            assert f"zalo:{person.id}" in answer.text
        finally:
            code, err = await _stop(process)
        assert code == 0, err
        assert "a-long-enough-secret" not in err
