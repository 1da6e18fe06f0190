"""The README's run command on a fresh machine: no token → the sandbox, stopped by Ctrl-C."""

from __future__ import annotations

import os
import re
import signal
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def test_run_without_a_token_starts_the_sandbox_and_stops_cleanly(tmp_path):
    env = {k: v for k, v in os.environ.items() if k not in ("BOT_TOKEN", "DATABASE_URL")}
    env.update(NO_PROXY="127.0.0.1,localhost", PLAN_FILE=str(ROOT / "plans/kontum-2023.yaml"),
               DATABASE_URL=f"sqlite+aiosqlite:///{tmp_path / 'db.sqlite3'}")
    process = subprocess.Popen(
        [sys.executable, "-m", "bot", "run", "--port", "0"], cwd=tmp_path, env=env,
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
    )
    try:
        url = None
        deadline = time.monotonic() + 60
        while url is None and time.monotonic() < deadline:
            line = process.stdout.readline()
            if not line and process.poll() is not None:
                break
            found = re.search(r"http://127\.0\.0\.1:\d+\S*", line)
            url = found.group(0) if found else None
        assert url, process.stderr.read() if process.poll() is not None else "no URL printed"
        with urllib.request.urlopen(url, timeout=10) as response:  # noqa: S310 - loopback
            page = response.read().decode()
        assert response.status == 200 and "daumoi" in page
    finally:
        process.send_signal(signal.SIGINT)
        try:
            code = process.wait(timeout=30)
        finally:
            if process.poll() is None:
                process.kill()
    err = process.stderr.read()
    assert code == 0, err
    assert "@BotFather" in err  # the token explanation comes first
    assert "Traceback" not in err
