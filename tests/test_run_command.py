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


def _run_bot(tmp_path, **extra):
    env = {k: v for k, v in os.environ.items() if k not in ("BOT_TOKEN", "DATABASE_URL")}
    env.update(NO_PROXY="127.0.0.1,localhost", PLAN_FILE=str(ROOT / "plans/kontum-2023.yaml"),
               BOT_TOKEN="123456:TEST-token-start-up-checks",
               TELEGRAM_API_URL="http://127.0.0.1:9",
               DATABASE_URL=f"sqlite+aiosqlite:///{tmp_path / 'db.sqlite3'}")
    env.update(extra)
    return subprocess.run([sys.executable, "-m", "bot", "run", "--no-sandbox"], cwd=tmp_path,
                          env=env, capture_output=True, text=True, timeout=60)


def _one_line_exit_2(result, *words):
    # Start-up's own INFO lines (migrations) may come first; the error is one line of its own.
    lines = [line for line in result.stderr.splitlines()
             if line.strip() and not re.match(r"\d{4}-\d\d-\d\d [\d:,]+ INFO ", line)]
    assert result.returncode == 2, result.stderr
    assert "Traceback" not in result.stderr
    assert len(lines) == 1, lines
    assert all(word in lines[0] for word in words), lines[0]


def test_an_unwritable_sqlite_path_is_one_line_and_exit_2(tmp_path):
    blocker = tmp_path / "not-a-folder"
    blocker.write_text("a file where the database folder should be")
    _one_line_exit_2(
        _run_bot(tmp_path, DATABASE_URL=f"sqlite+aiosqlite:///{blocker / 'data' / 'db.sqlite3'}"),
        "DATABASE_URL",
    )


def test_a_read_only_database_is_one_line_and_exit_2(tmp_path):
    database = tmp_path / "db.sqlite3"
    subprocess.run([sys.executable, "-m", "bot", "db", "upgrade"], cwd=tmp_path, check=True,
                   env={**os.environ, "DATABASE_URL": f"sqlite+aiosqlite:///{database}"},
                   capture_output=True)
    read_only = f"sqlite+aiosqlite:///file:{database}?mode=ro&uri=true"
    _one_line_exit_2(_run_bot(tmp_path, DATABASE_URL=read_only), "DATABASE_URL", "readonly")


def test_archiving_into_an_unwritable_folder_is_refused_at_start(tmp_path):
    blocker = tmp_path / "archive-file"
    blocker.write_text("a file where the archive folder should be")
    _one_line_exit_2(
        _run_bot(tmp_path, ARCHIVE_ATTACHMENTS="true", ARCHIVE_DIR=str(blocker / "archive")),
        "ARCHIVE_DIR",
    )
