"""Shared fixtures: the shipped plan, a migrated database, the fake Bot API and the real bot."""

from __future__ import annotations

import shutil
from collections.abc import AsyncIterator
from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from bot.app import Runtime
from bot.domain.plan import Plan
from bot.fakeserver import FakeBotApi
from bot.plan import load_plan
from bot.services.clock import FixedClock
from bot.settings import Settings
from tests.support import Person, Talk, running_without_errors

ROOT = Path(__file__).resolve().parent.parent
KONTUM = ROOT / "plans" / "kontum-2023.yaml"
TOKEN = "123456:TEST-token-daumoi"
ADMIN_ID = 900001
HEAD_ID = 900002
VN = ZoneInfo("Asia/Ho_Chi_Minh")


def pytest_sessionstart(session: pytest.Session) -> None:
    """Stop at once, with one line, if TEST_DATABASE_URL names a database not meant for tests."""
    import os

    from tests.storage.conftest import refusal

    for name in ("TEST_DATABASE_URL", "E2E_DATABASE_URL"):
        url = os.environ.get(name)
        problem = refusal(url) if url else None
        if problem is not None:
            pytest.exit(problem.replace("TEST_DATABASE_URL", name), returncode=2)


@pytest.fixture(autouse=True)
def _no_proxy(monkeypatch: pytest.MonkeyPatch) -> None:
    # httpx honours proxy variables; loopback traffic must never go through one.
    monkeypatch.setenv("NO_PROXY", "127.0.0.1,localhost")
    monkeypatch.setenv("no_proxy", "127.0.0.1,localhost")
    monkeypatch.setenv("PTB_TIMEDELTA", "1")


@pytest.fixture(scope="session")
def kontum_plan() -> Plan:
    """The shipped Kon Tum 2023 plan."""
    return load_plan(KONTUM)


@pytest.fixture(scope="session")
def _template_db(tmp_path_factory: pytest.TempPathFactory) -> Path:
    from storage.migrate import upgrade

    path = tmp_path_factory.mktemp("template") / "daumoi.sqlite3"
    upgrade(f"sqlite+aiosqlite:///{path}")
    return path


@pytest.fixture
def database_file(tmp_path: Path, _template_db: Path) -> Path:
    """A fresh SQLite file already migrated to head (copied from a template: fast)."""
    target = tmp_path / "daumoi.sqlite3"
    shutil.copy(_template_db, target)
    return target


@pytest.fixture
def clock() -> FixedClock:
    """Simulated time: 20/11/2023 09:00 in Kon Tum, before the focal-point deadline."""
    return FixedClock(datetime(2023, 11, 20, 9, 0, tzinfo=VN))


@pytest.fixture
async def fake_api() -> AsyncIterator[FakeBotApi]:
    """The fake Bot API server; every result it gave must have matched the spec."""
    async with FakeBotApi(token=TOKEN, bot_username="daumoi_bot") as api:
        yield api
        assert api.result_problems == []


@pytest.fixture
async def database_url(database_file: Path) -> str:
    """The bot's database: the SQLite file, or PostgreSQL (a clean schema, migrated) when
    E2E_DATABASE_URL is set, so the end-to-end suites run on both (see .ci/run)."""
    import os

    url = os.environ.get("E2E_DATABASE_URL")
    if not url:
        return f"sqlite+aiosqlite:///{database_file}"
    from storage.migrate import upgrade_async
    from tests.storage.conftest import _reset_postgres

    await _reset_postgres(url)
    await upgrade_async(url)
    return url


@pytest.fixture
def settings(fake_api: FakeBotApi, database_url: str) -> Settings:
    """Settings pointing at the fake server and the test database."""
    return Settings(
        _env_file=None,  # type: ignore[call-arg]
        bot_token=TOKEN,
        telegram_api_url=fake_api.url,
        database_url=database_url,
        admin_ids=frozenset({ADMIN_ID}),
        head_ids=frozenset({HEAD_ID}),
        # Scheduled work runs when a test ticks (`bot.runtime.tick()`), never on its own in the
        # middle of a conversation the test is checking.
        reminder_tick_seconds=3600,
    )


@pytest.fixture
async def runtime(
    settings: Settings, kontum_plan: Plan, clock: FixedClock
) -> AsyncIterator[Runtime]:
    """Database and services for the Kon Tum plan, with the plan loaded."""
    async with Runtime.open(settings, kontum_plan, clock) as opened:
        await opened.load_plan()
        yield opened


@pytest.fixture
async def bot(runtime: Runtime, fake_api: FakeBotApi) -> AsyncIterator[Talk]:
    """The real python-telegram-bot Application polling the fake server."""
    async with running_without_errors(runtime):
        yield Talk(fake_api, runtime)


@pytest.fixture
def secretariat(fake_api: FakeBotApi) -> Person:
    """The secretariat officer (ADMIN_IDS)."""
    return Person(fake_api, fake_api.add_user("Thư ký", id=ADMIN_ID, last_name="Sở TT&TT"))


@pytest.fixture
def head(fake_api: FakeBotApi) -> Person:
    """The subcommittee head (HEAD_IDS)."""
    return Person(fake_api, fake_api.add_user("Trưởng", id=HEAD_ID, last_name="Tiểu ban"))


@pytest.fixture
def stranger(fake_api: FakeBotApi) -> Person:
    """Someone nobody invited."""
    return Person(fake_api, fake_api.add_user("Người lạ"))
