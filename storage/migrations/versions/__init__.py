"""Numbered Alembic revisions (0001_initial, 0002_…)."""
