from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy import inspect

from storage.db import create_engine
from storage.migrate import current_async, downgrade_async, head, upgrade_async
from storage.models import Base

EXPECTED_TABLES = {
    "campaigns",
    "units",
    "phases",
    "deadlines",
    "deadline_units",
    "tasks",
    "task_units",
    "task_phases",
    "task_metrics",
    "focal_points",
    "invites",
    "reports",
    "report_heads",
    "report_figures",
    "attachments",
    "outbox",
    "audit_log",
    "conversations",
    "processed_updates",
    "bot_state",
    "user_prefs",
    "inbox",
    "directory_version",
    "send_slots",
}


async def test_upgrade_creates_every_table_on_an_empty_database(database_url):
    assert await current_async(database_url) is None

    await upgrade_async(database_url)

    assert await current_async(database_url) == head() == "0009"
    engine = create_engine(database_url)
    try:
        async with engine.connect() as connection:
            tables = await connection.run_sync(lambda c: set(inspect(c).get_table_names()))
    finally:
        await engine.dispose()
    assert tables == EXPECTED_TABLES | {"alembic_version"}
    assert set(Base.metadata.tables) == EXPECTED_TABLES


async def test_upgrading_twice_is_harmless(migrated_url):
    await upgrade_async(migrated_url)

    assert await current_async(migrated_url) == head()


async def test_downgrading_to_base_and_upgrading_again_works(migrated_url):
    await downgrade_async(migrated_url, "base")
    assert await current_async(migrated_url) is None

    await upgrade_async(migrated_url)
    assert await current_async(migrated_url) == head()


async def test_models_and_migrations_describe_the_same_schema(engine):
    def diff(connection):
        context = MigrationContext.configure(connection, opts={"compare_type": True})
        return compare_metadata(context, Base.metadata)

    async with engine.connect() as connection:
        differences = await connection.run_sync(diff)

    assert differences == []


def test_the_newest_revision_is_known_without_alembic():
    from storage.revision import head_revision

    assert head_revision() == head()


def test_a_restart_on_a_migrated_database_does_not_load_alembic(database_file):
    """Alembic is slow to import: a restart with nothing to migrate leaves it alone."""
    import subprocess
    import sys

    script = (
        "import asyncio, sys\n"
        "from bot.app import upgrade_database\n"
        f"asyncio.run(upgrade_database({f'sqlite+aiosqlite:///{database_file}'!r}))\n"
        "print('alembic' in sys.modules)\n"
    )
    done = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True,
                          check=True, timeout=60)
    assert done.stdout.strip() == "False"
