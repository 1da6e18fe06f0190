"""Alembic migrations of the daumoi schema (run through `storage.migrate`)."""
