"""Fixtures: the fake Zalo server and a ZaloApi client pointed at it."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest

from bot.channels.zalo import ZaloApi
from bot.fakezalo import FakeZaloApi

TOKEN = "1234567890:zalo-test-secret"
SECRET = "s3cret-webhook-token"


@pytest.fixture
async def fake() -> AsyncIterator[FakeZaloApi]:
    async with FakeZaloApi(token=TOKEN) as server:
        yield server


@pytest.fixture
async def client(fake: FakeZaloApi) -> AsyncIterator[ZaloApi]:
    async with ZaloApi(TOKEN, base_url=fake.url) as api:
        yield api
