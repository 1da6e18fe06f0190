"""Fixtures: a running sandbox (fake Telegram, real bot, fresh database) and its web app."""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator
from typing import Any

import pytest
from aiohttp import ClientResponse
from aiohttp.test_utils import TestClient, TestServer

from bot.domain.plan import Plan
from bot.sandbox import Sandbox, make_web_app, open_sandbox
from bot.settings import Settings

WAIT = 10.0


@pytest.fixture
async def sandbox(kontum_plan: Plan) -> AsyncIterator[Sandbox]:
    """A sandbox for the Kon Tum plan; every Bot API answer must have matched the spec."""
    async with open_sandbox(Settings(_env_file=None), kontum_plan) as opened:
        yield opened
        assert opened.api.result_problems == []


@pytest.fixture
async def client(sandbox: Sandbox) -> AsyncIterator[TestClient]:
    """An HTTP client for the sandbox's web app on a random port."""
    async with TestClient(TestServer(make_web_app(sandbox))) as test_client:
        yield test_client


async def post(client: TestClient, path: str, **body: Any) -> tuple[int, dict[str, Any]]:
    """POST JSON; return the status and the decoded answer."""
    response = await client.post(path, json=body)
    return response.status, await response.json()


async def bot_reply(sandbox: Sandbox, persona: str, timeout: float = WAIT) -> Any:
    """The bot's next message in a persona's chat."""
    return await sandbox.api.wait_for_message(sandbox.personas[persona].chat_id, timeout=timeout)


class EventReader:
    """Reads a server-sent event stream event by event."""

    def __init__(self, response: ClientResponse) -> None:
        self.response = response

    async def next(self) -> tuple[str, Any]:
        """The next event's name and decoded data (comments and retry lines skipped)."""
        name, data = "message", ""
        while True:
            line = (await self.response.content.readline()).decode()
            if not line:
                raise EOFError("stream closed")
            line = line.rstrip("\n")
            if line.startswith("event: "):
                name = line[len("event: ") :]
            elif line.startswith("data: "):
                data += line[len("data: ") :]
            elif line == "" and data:
                return name, json.loads(data)

    async def until(self, name: str, predicate: Any = None, timeout: float = WAIT) -> Any:
        """Skip events until one called ``name`` whose data matches ``predicate``."""
        async with asyncio.timeout(timeout):
            while True:
                event, data = await self.next()
                if event == name and (predicate is None or predicate(data)):
                    return data
