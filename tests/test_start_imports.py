"""What starting the bot imports: the big libraries only needed later stay unloaded."""

from __future__ import annotations

import subprocess
import sys

# Each is imported where it is used: web routes (aiohttp), migrations (alembic), exports
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
