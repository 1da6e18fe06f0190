"""Fixtures: a fake Zalo server, an HTTP session and a tiny webhook receiver."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

import aiohttp
import pytest
from aiohttp import web

from bot.fakezalo import SECRET_HEADER, FakeZaloApi

TOKEN = "1234567890:zalo-test-secret"
SECRET = "s3cret-webhook-token"


@pytest.fixture
async def api() -> AsyncIterator[FakeZaloApi]:
    async with FakeZaloApi(token=TOKEN) as server:
        yield server


@pytest.fixture
async def http() -> AsyncIterator[aiohttp.ClientSession]:
    async with aiohttp.ClientSession() as session:
        yield session


async def call(
    http: aiohttp.ClientSession, api: FakeZaloApi, method: str, token: str = TOKEN, **kwargs: Any
) -> tuple[int, dict[str, Any]]:
    """POST to a Bot API method and return (HTTP status, JSON body)."""
    async with http.post(api.method_url(method, token), **kwargs) as response:
        return response.status, await response.json()


class Receiver:
    """A webhook endpoint that records bodies and answers 403 to a wrong secret."""

    def __init__(self, secret: str = SECRET) -> None:
        self.secret = secret
        self.bodies: list[Any] = []
        self.headers: list[dict[str, str]] = []
        self.runner: web.AppRunner | None = None
        self.url = ""

    async def handle(self, request: web.Request) -> web.Response:
        self.headers.append(dict(request.headers))
        if request.headers.get(SECRET_HEADER) != self.secret:
            return web.Response(status=403)
        self.bodies.append(await request.json())
        return web.Response(status=200)

    async def start(self) -> None:
        app = web.Application()
        app.router.add_post("/hook", self.handle)
        self.runner = web.AppRunner(app, access_log=None)
        await self.runner.setup()
        await web.TCPSite(self.runner, "127.0.0.1", 0).start()
        self.url = f"http://127.0.0.1:{self.runner.addresses[0][1]}/hook"

    async def stop(self) -> None:
        assert self.runner is not None
        await self.runner.cleanup()


@pytest.fixture
async def receiver() -> AsyncIterator[Receiver]:
    hook = Receiver()
    await hook.start()
    yield hook
    await hook.stop()
