"""What starting the bot imports: the big libraries only needed later stay unloaded."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

# Each is imported where it is used: web routes and Telegram's connection (aiohttp),
# migrations (alembic), exports
# (docx, openpyxl/xlsxwriter), the chart (matplotlib), working days (holidays).
LATER = ("aiohttp", "alembic", "docx", "openpyxl", "xlsxwriter", "matplotlib", "holidays")


def test_importing_the_bot_leaves_the_libraries_needed_later_unloaded():
    script = (
        "import sys\n"
        "import bot.app, bot.cli, bot.channels.telegram\n"
        f"print(sorted(m for m in {LATER!r} if m in sys.modules))\n"
    )
    done = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True,
                          check=True, timeout=60)
    assert done.stdout.strip() == "[]"


_OPEN_RUNTIME = """
import asyncio, sys
from bot.app import Runtime
from bot.plan import load_plan
from bot.settings import Settings

async def main():
    settings = Settings(_env_file=None, bot_token="1:X", database_url=sys.argv[1])
    async with Runtime.open(settings, load_plan("plans/kontum-2023.yaml")) as runtime:
        await runtime.load_plan()
        print(sorted(m for m in ("alembic", "holidays") if m in sys.modules))

asyncio.run(main())
"""


def test_a_restart_opens_the_database_without_alembic_or_the_holiday_tables(tmp_path):
    """Only a database behind the newest schema needs Alembic; working days wait for the
    scheduler's first tick."""
    url = f"sqlite+aiosqlite:///{tmp_path / 'bot.sqlite3'}"
    root = Path(__file__).resolve().parents[1]
    runs = [subprocess.run([sys.executable, "-c", _OPEN_RUNTIME, url], capture_output=True,
                           text=True, check=True, timeout=120, cwd=root) for _ in range(2)]
    first, restart = (run.stdout.strip() for run in runs)
    assert first == "['alembic']"  # the first start migrates
    assert restart == "[]"
