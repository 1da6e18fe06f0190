"""The storage tests drop the public schema of TEST_DATABASE_URL: never of a real database."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from tests.storage.conftest import is_test_database

ROOT = Path(__file__).resolve().parents[2]


@pytest.mark.parametrize(
    ("url", "allowed"),
    [
        ("postgresql+asyncpg://postgres@127.0.0.1:5432/test", True),
        ("postgresql+asyncpg://postgres@127.0.0.1:5432/daumoi_test", True),
        ("postgresql+asyncpg://postgres@127.0.0.1:5432/test_daumoi", True),
        ("postgresql+asyncpg://postgres@127.0.0.1:5432/daumoi", False),
        ("postgresql+asyncpg://postgres@127.0.0.1:5432/production", False),
        ("postgresql+asyncpg://postgres@127.0.0.1:5432/contest", False),
        ("postgresql+asyncpg://postgres@127.0.0.1:5432/postgres", False),
    ],
)
def test_only_databases_named_for_tests_may_be_dropped(url, allowed):
    assert is_test_database(url) is allowed


def test_the_suite_stops_with_one_line_before_touching_a_real_database():
    env = dict(os.environ,
               TEST_DATABASE_URL="postgresql+asyncpg://postgres@127.0.0.1:5432/daumoi")
    result = subprocess.run(
        [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider",
         "tests/storage/test_unit_of_work.py", "-k", "postgresql"],
        cwd=ROOT, env=env, capture_output=True, text=True, timeout=120,
    )
    assert result.returncode == 2, result.stdout + result.stderr
    assert "'daumoi'" in result.stdout + result.stderr
    assert "only run on a database named like 'test'" in result.stdout + result.stderr
