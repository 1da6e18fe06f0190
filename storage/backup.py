"""Backups of the bot's database while it runs: SQLite's online backup, or pg_dump."""

from __future__ import annotations

import contextlib
import shutil
import sqlite3
import subprocess
from pathlib import Path

from storage.db import StorageUnavailable, describe_url, parse_url


class BackupError(Exception):
    """The backup could not be made; the message is one line without secrets."""


def backup(url: str, target: Path) -> str:
    """Copy the database named by `url` into `target` (never over an existing file); return
    what was used ("sqlite" or "pg_dump")."""
    if target.exists():
        raise BackupError(f"{target} exists already: choose a new file name")
    parsed = parse_url(url)
    target.parent.mkdir(parents=True, exist_ok=True)
    if parsed.get_backend_name() == "sqlite":
        source = Path(parsed.database or "")
        if not parsed.database or parsed.database == ":memory:" or not source.exists():
            raise BackupError(f"{describe_url(parsed)}: no database file to back up")
        # The online backup API copies a consistent snapshot while the bot keeps writing
        # (WAL included); copying the file by hand could catch half a transaction.
        with contextlib.closing(sqlite3.connect(source)) as src, \
                contextlib.closing(sqlite3.connect(target)) as dst:
            src.backup(dst)
        return "sqlite"
    pg_dump = shutil.which("pg_dump")
    if pg_dump is None:
        raise BackupError("pg_dump not found: install the PostgreSQL client tools")
    libpq = parsed.set(drivername="postgresql").render_as_string(hide_password=False)
    done = subprocess.run(  # noqa: S603 - a fixed program with a URL from the settings
        [pg_dump, "--format=custom", "--no-owner", f"--file={target}", libpq],
        capture_output=True, text=True, check=False)
    if done.returncode != 0:
        with contextlib.suppress(OSError):
            target.unlink()
        last = (done.stderr.strip().splitlines() or ["failed"])[-1]
        raise BackupError(f"pg_dump: {last.replace(libpq, describe_url(parsed))}")
    return "pg_dump"


__all__ = ["BackupError", "StorageUnavailable", "backup"]
