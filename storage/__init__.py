"""Persistence: SQLAlchemy models, repositories, unit of work and Alembic migrations."""

from storage.db import StorageUnavailable, check_connection, create_engine
from storage.uow import SqlUnitOfWork, make_uow_factory

__all__ = [
    "SqlUnitOfWork",
    "StorageUnavailable",
    "check_connection",
    "create_engine",
    "make_uow_factory",
]
