"""Core statements run on a unit of work's connection: on PostgreSQL straight on the
asyncpg connection underneath it (the same connection and transaction), compiled once
and prepared by the driver; on SQLite through SQLAlchemy. SQLAlchemy's own work for each
execution (cache lookup, execution context, result wrapping) costs about 100 µs, more
than the driver's whole round trip, which matters on the hot paths."""

from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from functools import cache
from typing import Any

import asyncpg  # type: ignore[import-untyped]
from sqlalchemy import Delete, Dialect, Executable, Insert, Update, literal_column
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncConnection

Row = Mapping[str, Any]


@dataclass(frozen=True, slots=True)
class _Compiled:
    """A statement as the driver takes it: SQL text, and its positional parameters'
    names, with the values of those the statement fixes itself."""

    sql: str
    order: tuple[str, ...]
    fixed: dict[str, Any]

    def arguments(self, parameters: Row) -> list[Any]:
        values = self.fixed | dict(parameters)
        return [values[name] for name in self.order]


@cache
def _compiled(statement: Executable, dialect: Dialect, keys: tuple[str, ...]) -> _Compiled:
    # ``keys`` are the columns an INSERT or UPDATE without values writes: those of its rows.
    compiled = statement.compile(dialect=dialect, column_keys=list(keys))  # type: ignore[attr-defined]
    return _Compiled(compiled.string, tuple(compiled.positiontup or ()), dict(compiled.params))


@cache
def _counted(statement: Executable) -> Executable:
    """An UPDATE or DELETE that returns a row for each row it writes. Cached, so that a
    statement built once stays one statement, compiled once."""
    assert isinstance(statement, Update | Delete), "only a write has rows to count"
    return statement.returning(literal_column("1"))


@contextmanager
def _as_integrity_error(compiled: _Compiled) -> Iterator[None]:
    """A constraint the database enforced, raised as SQLAlchemy raises it, so that the
    repositories tell it apart the same way on either path."""
    try:
        yield
    except asyncpg.exceptions.IntegrityConstraintViolationError as error:
        raise IntegrityError(compiled.sql, None, error) from error


class Statements:
    """``driver`` is the asyncpg connection under ``conn`` on PostgreSQL, else None.
    Statements given to the driver must be built once (module constants): each is
    compiled on its first use and kept."""

    def __init__(self, conn: AsyncConnection, driver: Any) -> None:
        self.conn, self._driver = conn, driver

    @property
    def on_driver(self) -> bool:
        return self._driver is not None

    async def rows(
        self, statement: Executable, parameters: Row | None = None
    ) -> Sequence[Mapping[Any, Any]]:
        if self._driver is None:
            return (await self.conn.execute(statement, parameters)).mappings().all()
        compiled = self._compiled(statement, ())
        return await self._driver.fetch(compiled.sql, *compiled.arguments(parameters or {}))  # type: ignore[no-any-return]

    async def execute(self, statement: Executable, parameters: Row) -> int:
        """The number of rows the statement wrote."""
        if self._driver is None:
            return (await self.conn.execute(statement, parameters)).rowcount
        compiled = self._compiled(statement, tuple(parameters))
        with _as_integrity_error(compiled):
            status = await self._driver.execute(compiled.sql, *compiled.arguments(parameters))
        return int(status.rpartition(" ")[2])  # "UPDATE 1", "INSERT 0 1"

    async def execute_many(self, statement: Executable, rows: Sequence[Row]) -> int:
        """Runs the statement once per row, in one round trip; the number of rows it
        wrote. (The driver's batch counts nothing, so an UPDATE or DELETE is sent
        returning a row per row it writes, and those are counted.)"""
        if len(rows) <= 1:
            return await self.execute(statement, rows[0]) if rows else 0
        if self._driver is None:  # SQLite counts a batch's rows
            return (await self.conn.execute(statement, list(rows))).rowcount
        if isinstance(statement, Insert):  # every row is written, or it raises
            compiled = self._compiled(statement, tuple(rows[0]))
            with _as_integrity_error(compiled):
                await self._driver.executemany(compiled.sql, [compiled.arguments(r) for r in rows])
            return len(rows)
        compiled = self._compiled(_counted(statement), tuple(rows[0]))
        with _as_integrity_error(compiled):
            written = await self._driver.fetchmany(
                compiled.sql, [compiled.arguments(r) for r in rows]
            )
        return len(written)

    def _compiled(self, statement: Executable, keys: tuple[str, ...]) -> _Compiled:
        return _compiled(statement, self.conn.dialect, keys)
