"""One hot Core statement, compiled once per dialect and run on the driver's own connection.

The inbox's bookkeeping statement runs once for every update. Through SQLAlchemy's execution
(its cache lookup, execution context, result objects and, on PostgreSQL, the asyncpg adapter)
it costs several times what the statement itself costs. Here SQLAlchemy still writes the SQL
and converts the parameters (each bind's own type processors, so stored values are exactly what
a Core execution would store); only the execution goes straight to the driver: sqlite3 through
this project's one-trip connection, or asyncpg, whose prepared-statement cache does the rest.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from sqlalchemy.engine import Dialect
from sqlalchemy.ext.asyncio import AsyncConnection
from sqlalchemy.sql import ClauseElement

from storage.db import SQLITE_BUSY_TIMEOUT_MS
from storage.sqlite_driver import OneTripConnection

_Order = list[tuple[str, Callable[[Any], Any] | None]]


class DriverStatement:
    """A statement with scalar parameters, run on an open connection's driver."""

    def __init__(self, statement: ClauseElement) -> None:
        self._statement = statement
        self._compiled: dict[str, tuple[Any, str, _Order]] = {}

    def _for(self, dialect: Dialect) -> tuple[Any, str, _Order]:
        known = self._compiled.get(dialect.name)
        if known is None:
            compiled = self._statement.compile(dialect=dialect)
            order = [
                (name, compiled.binds[name].type.dialect_impl(dialect).bind_processor(dialect))
                for name in compiled.positiontup or ()]
            known = self._compiled[dialect.name] = (compiled, compiled.string, order)
        return known

    def parameters(self, dialect: Dialect, values: Mapping[str, Any]) -> list[Any]:
        """The driver's positional parameters for `values`, converted by their binds' types."""
        compiled, _sql, order = self._for(dialect)
        given = compiled.construct_params(dict(values))
        return [given[name] if process is None else process(given[name])
                for name, process in order]

    async def rows(self, connection: AsyncConnection, values: Mapping[str, Any]) -> list[tuple]:
        """Run it (outside any transaction: it commits by itself) and return its rows."""
        dialect = connection.dialect
        _compiled, sql, _order = self._for(dialect)
        parameters = self.parameters(dialect, values)
        raw = await connection.get_raw_connection()
        dbapi = raw.dbapi_connection
        if isinstance(dbapi, OneTripConnection):
            return await dbapi.run(sql, tuple(parameters), SQLITE_BUSY_TIMEOUT_MS)
        driver = raw.driver_connection
        if dialect.driver == "asyncpg" and driver is not None:
            return [tuple(record) for record in await driver.fetch(sql, *parameters)]
        result = await connection.execute(self._statement, dict(values))  # other drivers
        return [tuple(row) for row in result.all()]
