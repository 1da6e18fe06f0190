import asyncio
from datetime import UTC, datetime

import pytest
from sqlalchemy import select, text

from bot.domain.records import AuditEntry
from storage.db import StorageUnavailable, check_connection, create_engine
from storage.migrate import upgrade_async
from storage.models import AuditRow
from storage.uow import make_uow_factory
from tests.storage.plans import NOW, VN


async def _sqlite_pragmas(engine):
    async with engine.connect() as connection:
        return {
            name: (await connection.exec_driver_sql(f"PRAGMA {name}")).scalar()
            for name in ("journal_mode", "synchronous", "busy_timeout", "foreign_keys")
        }


async def test_sqlite_connections_use_wal_a_busy_timeout_and_foreign_keys(tmp_path):
    engine = create_engine(f"sqlite+aiosqlite:///{tmp_path / 'new' / 'folder' / 'x.sqlite3'}")
    try:
        pragmas = await _sqlite_pragmas(engine)
        async with engine.connect() as connection:
            raw = await connection.get_raw_connection()
            # The sqlite3 module must not issue its own BEGIN: ours is BEGIN IMMEDIATE.
            assert raw.driver_connection.isolation_level is None
    finally:
        await engine.dispose()

    # synchronous=1 is NORMAL.
    assert pragmas == {
        "journal_mode": "wal",
        "synchronous": 1,
        "busy_timeout": 5000,
        "foreign_keys": 1,
    }
    assert (tmp_path / "new" / "folder" / "x.sqlite3").exists()


async def test_plain_sqlite_urls_get_the_async_driver(tmp_path):
    engine = create_engine(f"sqlite:///{tmp_path / 'x.sqlite3'}")
    try:
        assert engine.url.drivername == "sqlite+aiosqlite"
        await check_connection(engine)
    finally:
        await engine.dispose()


async def test_unreachable_postgresql_raises_a_one_line_message_without_the_password():
    engine = create_engine("postgresql+asyncpg://postgres:s3cret@127.0.0.1:1/x")
    try:
        with pytest.raises(StorageUnavailable) as caught:
            await check_connection(engine)
    finally:
        await engine.dispose()

    message = str(caught.value)
    assert message.startswith("postgresql+asyncpg://postgres:***@127.0.0.1:1/x: ")
    assert "s3cret" not in message
    assert "\n" not in message and "Traceback" not in message
    assert caught.value.__suppress_context__


async def test_a_sqlite_file_in_an_unwritable_place_raises_storage_unavailable(tmp_path):
    blocker = tmp_path / "a-file"
    blocker.write_text("not a folder")

    with pytest.raises(StorageUnavailable) as caught:
        create_engine(f"sqlite+aiosqlite:///{blocker / 'db' / 'x.sqlite3'}")

    message = str(caught.value)
    assert "cannot create the folder" in message
    assert "\n" not in message


async def test_a_sqlite_file_that_cannot_be_opened_raises_storage_unavailable(tmp_path):
    # A folder where the database file should be: SQLite cannot open it, even as root.
    (tmp_path / "x.sqlite3").mkdir()
    engine = create_engine(f"sqlite+aiosqlite:///{tmp_path / 'x.sqlite3'}")
    try:
        with pytest.raises(StorageUnavailable) as caught:
            await check_connection(engine)
    finally:
        await engine.dispose()

    assert "unable to open database file" in str(caught.value)


def test_unsupported_urls_are_refused_with_a_clear_message():
    with pytest.raises(StorageUnavailable, match="unsupported database 'mysql'"):
        create_engine("mysql://u@h/db")


async def test_times_come_back_aware_in_utc(uow_factory):
    local = datetime(2023, 12, 7, 8, 30, tzinfo=VN)
    async with uow_factory() as uow:
        entry_id = await uow.audit.append(AuditEntry(at=local, action="t"))
        await uow.commit()

    async with uow_factory() as uow:
        (entry,) = await uow.audit.recent()
        stored = (await uow.session.scalars(select(AuditRow.at))).one()

    assert entry.id == entry_id
    assert entry.at == local
    assert entry.at.tzinfo is UTC and stored.tzinfo is UTC
    assert entry.at.hour == 1


async def test_naive_times_are_refused(uow_factory):
    async with uow_factory() as uow:
        with pytest.raises(Exception, match="naive datetime"):
            await uow.audit.append(AuditEntry(at=datetime(2023, 12, 7), action="t"))


async def test_concurrent_writers_never_see_database_is_locked(uow_factory):
    async def read_then_write(number: int) -> None:
        # Reading before writing is what makes deferred SQLite transactions fail at once.
        async with uow_factory() as uow:
            await uow.audit.recent(limit=1)
            await uow.audit.append(AuditEntry(at=NOW, action="write", detail={"n": number}))
            await asyncio.sleep(0)
            assert await uow.updates.mark(f"telegram:update:{number}", NOW)
            await uow.commit()

    await asyncio.gather(*(read_then_write(number) for number in range(50)))

    async with uow_factory() as uow:
        assert len(await uow.audit.recent(limit=100)) == 50


async def test_a_read_only_unit_of_work_reads_while_a_writer_holds_the_lock(tmp_path):
    url = f"sqlite+aiosqlite:///{tmp_path / 'x.sqlite3'}"
    await upgrade_async(url)
    engine = create_engine(url)
    try:
        factory = make_uow_factory(engine)
        async with factory() as writer:
            await writer.updates.mark("telegram:update:1", NOW)
            async with factory(read_only=True) as reader:
                started = asyncio.get_running_loop().time()
                result = await reader.session.execute(
                    text("SELECT count(*) FROM processed_updates")
                )
                assert result.scalar() == 0
                assert asyncio.get_running_loop().time() - started < 1
            await writer.commit()
    finally:
        await engine.dispose()


class _Trips:
    count = 0


def _count_trips(raw) -> _Trips:
    """Count the requests to aiosqlite's thread made through `raw` from now on."""
    trips, trip = _Trips(), raw._execute

    async def counting_trip(*args, **kwargs):
        trips.count += 1
        return await trip(*args, **kwargs)

    raw._execute = counting_trip
    return trips


async def test_a_sqlite_write_transaction_takes_one_trip_to_the_driver_thread_in_all(tmp_path):
    engine = create_engine(f"sqlite+aiosqlite:///{tmp_path / 'trips.sqlite3'}")
    try:
        async with engine.connect() as connection:
            raw = (await connection.get_raw_connection()).driver_connection
            trips = _count_trips(raw)
            # BEGIN IMMEDIATE goes with the first statement; once the write lock is held,
            # nothing can wait for a lock, so the rest runs without a trip.
            await connection.exec_driver_sql("CREATE TABLE t (id INTEGER PRIMARY KEY, v TEXT)")
            inserted = await connection.execute(text("INSERT INTO t (v) VALUES ('a'), ('b')"))
            rows = (await connection.execute(text("SELECT id, v FROM t ORDER BY id"))).all()
            changed = await connection.execute(text("UPDATE t SET v = 'c' WHERE id >= 1"))
            many = await connection.execute(text("INSERT INTO t (v) VALUES (:v)"),
                                            [{"v": "x"}, {"v": "y"}, {"v": "z"}])
            count = (await connection.execute(text("SELECT count(*) FROM t"))).scalar()
            await connection.commit()
            del raw._execute
    finally:
        await engine.dispose()
    assert trips.count == 1  # not four per statement (cursor, execute, fetch, close)
    assert inserted.rowcount == 2
    assert [tuple(row) for row in rows] == [(1, "a"), (2, "b")]
    assert changed.rowcount == 2
    assert many.rowcount == 3
    assert count == 5


async def test_a_sqlite_transaction_begins_with_its_first_statement_in_the_same_trip(tmp_path):
    url = f"sqlite+aiosqlite:///{tmp_path / 'begin.sqlite3'}"
    await upgrade_async(url)
    engine = create_engine(url)
    factory = make_uow_factory(engine)
    try:
        async with factory(read_only=True) as uow:
            raw = (await uow.session.connection()).sync_connection.connection.driver_connection
            trips = _count_trips(raw)
            assert raw.in_transaction is False  # nothing sent yet
            assert await uow.focal_points.version() == 0
            assert raw.in_transaction is True
        del raw._execute
        async with factory() as uow:  # a writer that writes nothing costs no trip at all
            pass
    finally:
        await engine.dispose()
    assert trips.count == 2  # BEGIN with the SELECT, then the ROLLBACK


async def test_a_bookkeeping_write_waits_for_a_writer_instead_of_failing(tmp_path):
    from bot.services.clock import FixedClock
    from bot.services.inbox import InboxService, Received

    url = f"sqlite+aiosqlite:///{tmp_path / 'busy.sqlite3'}"
    await upgrade_async(url)
    engine = create_engine(url)
    factory = make_uow_factory(engine)
    inbox = InboxService(factory, FixedClock(NOW))
    try:
        await inbox.store_many("telegram", [Received("telegram:update:1", {}, 1)], NOW)
        [entry] = await inbox.settle_and_fetch("telegram", None)  # claimed, as a worker does
        async with factory() as writer:
            await writer.audit.append(AuditEntry(NOW, "test.lock", None, None, None, {}))
            attempt = asyncio.create_task(inbox.attempt(entry.id))
            for _ in range(20):
                await asyncio.sleep(0)
            assert not attempt.done()  # waiting for the lock, on aiosqlite's thread
            await writer.commit()
        await attempt
        [after] = await inbox.entries("telegram")
    finally:
        await engine.dispose()
    assert after.attempts == 1
