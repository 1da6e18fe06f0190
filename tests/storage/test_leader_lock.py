"""The leader lock: one holder at a time, freed when the holder goes, on SQLite and PostgreSQL."""

from __future__ import annotations

import asyncio

from sqlalchemy import text

from storage.db import create_engine
from storage.leader import FileLock, PgAdvisoryLock, leader_lock


async def test_only_one_instance_holds_the_lock_and_the_next_takes_it_when_freed(database_url):
    first_engine, second_engine = create_engine(database_url), create_engine(database_url)
    try:
        first, second = leader_lock(first_engine), leader_lock(second_engine)
        assert await first.acquire()
        assert not await second.acquire()
        assert await first.holds() and not await second.holds()
        await first.release()
        assert await second.acquire()
        assert not await first.acquire()
        await second.release()
    finally:
        await first_engine.dispose()
        await second_engine.dispose()


async def test_the_lock_fits_the_database(database_url):
    engine = create_engine(database_url)
    try:
        expected = FileLock if database_url.startswith("sqlite") else PgAdvisoryLock
        assert isinstance(leader_lock(engine), expected)
    finally:
        await engine.dispose()


async def test_on_postgresql_a_holder_whose_session_dies_loses_the_lock_to_the_next(
        postgres_url):
    database_url = postgres_url
    first_engine, second_engine = create_engine(database_url), create_engine(database_url)
    try:
        first, second = leader_lock(first_engine), leader_lock(second_engine)
        assert await first.acquire()
        # What a kill -9 or a broken network does to the holder's session: the server ends it.
        async with second_engine.connect() as admin:
            await admin.execute(text(
                "SELECT pg_terminate_backend(pid) FROM pg_locks "
                "WHERE locktype = 'advisory' AND granted AND pid <> pg_backend_pid()"))
            await admin.commit()
        for _ in range(50):
            if await second.acquire():
                break
            await asyncio.sleep(0.02)
        assert await second.holds()
        assert not await first.holds()  # the old holder notices and steps down
        await second.release()
    finally:
        await first_engine.dispose()
        await second_engine.dispose()
