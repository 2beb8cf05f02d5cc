"""The one way the SQL adapters run a statement.

Statements are written with SQLAlchemy Core and built once: module constants, or one per
shape of a query from a bounded cache (a page's filters), their values always bound
parameters. A unit of work's ``Statements`` runs them on its pooled connection, one path
per database:

- PostgreSQL: straight on the asyncpg connection under it, each statement compiled once
  and prepared by the driver, without SQLAlchemy's ``Connection`` around it.
  SQLAlchemy's own work for an execution (cache lookup, execution context, result
  wrapping) costs about 100 µs, more than the driver's whole round trip;
- SQLite: through SQLAlchemy, whose types fill in what its driver lacks (time zones).

``Statements`` also holds its unit of work's transaction, which only the unit of work
begins, commits and rolls back: on PostgreSQL, a writing one sends ``BEGIN`` before its
first statement and ``COMMIT`` when asked, nothing more (a read-only one
autocommits: each of its statements is one consistent read); on SQLite, SQLAlchemy
begins at the first statement, as the engine tunes it (its read-only connections'
transactions are deferred ones: one snapshot from the first read).
"""

from abc import ABC, abstractmethod
from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import contextmanager, suppress
from dataclasses import dataclass
from functools import cache, lru_cache
from typing import Any, Self

import asyncpg  # type: ignore[import-untyped]
from sqlalchemy import (
    ColumnElement,
    Delete,
    Dialect,
    Executable,
    Insert,
    Update,
    any_,
    bindparam,
    literal_column,
)
from sqlalchemy.dialects import postgresql
from sqlalchemy.exc import IntegrityError, OperationalError
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine
from sqlalchemy.pool import PoolProxiedConnection
from sqlalchemy.util import greenlet_spawn

from domain.shared.aggregate import Aggregate

Row = Mapping[str, Any]
# A repository built on a unit of work's statements, handing it every aggregate it
# reads or writes (for their events). Each context names its own, by attribute.
Repositories = dict[str, Callable[["Statements", Callable[[Aggregate], None]], object]]

# Statements built once are few (a few dozen constants, a few page shapes each); the
# bound keeps a mistake, a statement built per request, from growing without end.
COMPILED_STATEMENTS = 512


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


@lru_cache(maxsize=COMPILED_STATEMENTS)
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


def one_of(column: ColumnElement[Any], name: str) -> dict[str, ColumnElement[bool]]:
    """``column`` is one of the list bound as ``name``, per database: an array on
    PostgreSQL (one prepared statement, whatever the list's length); an IN list that
    SQLAlchemy expands on SQLite, which has no arrays."""
    array = bindparam(name, type_=postgresql.ARRAY(column.type))
    return {
        "postgresql": column == any_(array),
        "sqlite": column.in_(bindparam(name, expanding=True)),
    }


@contextmanager
def _as_integrity_error(compiled: _Compiled) -> Iterator[None]:
    """A constraint the database enforced, raised as SQLAlchemy raises it, so that the
    repositories tell it apart the same way on either database."""
    try:
        yield
    except asyncpg.exceptions.IntegrityConstraintViolationError as error:
        raise IntegrityError(compiled.sql, None, error) from error


class Statements(ABC):
    """Runs statements on one pooled connection, in its unit of work's transaction:
    one subclass per database. ``start`` says whether they run in a transaction (a
    writing unit of work's) or each on its own (a read-only one's, on PostgreSQL)."""

    dialect: str

    @staticmethod
    async def checkout(engine: AsyncEngine) -> "Statements":
        """Statements on a connection from ``engine``'s pool."""
        if engine.dialect.name != "postgresql":
            return _OnSqlite(await engine.connect())
        try:
            pooled = await engine.raw_connection()
        except engine.dialect.loaded_dbapi.Error as error:
            # Raised as SQLAlchemy raises a failed connect for its own ``Connection``.
            raise OperationalError(None, None, error) from error
        return _OnPostgres(engine.dialect, pooled)

    def start(self, *, transactional: bool) -> Self:
        """Ready for a unit of work, whose statements run in one transaction or each on
        its own."""
        return self

    @property
    def closed(self) -> bool:
        """The server closed the connection since it was last used."""
        return False

    @abstractmethod
    async def rows(
        self, statement: Executable, parameters: Row | None = None
    ) -> Sequence[Mapping[Any, Any]]: ...

    async def row(
        self, statement: Executable, parameters: Row | None = None
    ) -> Mapping[Any, Any] | None:
        """The statement's first row, if any."""
        rows = await self.rows(statement, parameters)
        return rows[0] if rows else None

    @abstractmethod
    async def execute(self, statement: Executable, parameters: Row | None = None) -> int:
        """The number of rows the statement wrote."""

    @abstractmethod
    async def execute_many(self, statement: Executable, rows: Sequence[Row]) -> int:
        """Runs the statement once per row, in one round trip; the number of rows it
        wrote."""

    @abstractmethod
    async def commit(self) -> None:
        """Commits the transaction, if one began; the next statement begins another."""

    @abstractmethod
    async def roll_back(self) -> None: ...

    @abstractmethod
    async def give_back(self) -> None:
        """Rolls back what was not committed and returns the connection to the engine's
        pool."""

    @abstractmethod
    async def discard(self) -> None:
        """Closes a connection left in doubt (lost, or cut off mid-statement), which the
        pool replaces: it is never handed out again."""


class _OnPostgres(Statements):
    """Straight on the asyncpg connection (SQLAlchemy's ``Connection`` around it would
    cost more than the round trip). A writing unit of work's transaction begins with
    its first statement."""

    dialect = "postgresql"

    def __init__(self, dialect: Dialect, pooled: PoolProxiedConnection) -> None:
        self._pooled = pooled
        self._driver: Any = pooled.driver_connection
        self._dialect = dialect
        self._transactional, self._open = False, False

    def start(self, *, transactional: bool) -> Self:
        self._transactional, self._open = transactional, False
        return self

    @property
    def closed(self) -> bool:
        # The driver noticed the socket close: no round trip.
        return bool(self._driver.is_closed())

    async def rows(
        self, statement: Executable, parameters: Row | None = None
    ) -> Sequence[Mapping[Any, Any]]:
        compiled = await self._prepare(statement, ())
        return await self._driver.fetch(compiled.sql, *compiled.arguments(parameters or {}))  # type: ignore[no-any-return]

    async def execute(self, statement: Executable, parameters: Row | None = None) -> int:
        compiled = await self._prepare(statement, tuple(parameters or ()))
        with _as_integrity_error(compiled):
            status = await self._driver.execute(compiled.sql, *compiled.arguments(parameters or {}))
        return int(status.rpartition(" ")[2])  # "UPDATE 1", "INSERT 0 1"

    async def execute_many(self, statement: Executable, rows: Sequence[Row]) -> int:
        """(The driver's batch counts nothing, so an UPDATE or DELETE is sent returning
        a row per row it writes, and those are counted.)"""
        if len(rows) <= 1:
            return await self.execute(statement, rows[0]) if rows else 0
        if isinstance(statement, Insert):  # every row is written, or it raises
            compiled = await self._prepare(statement, tuple(rows[0]))
            with _as_integrity_error(compiled):
                await self._driver.executemany(compiled.sql, [compiled.arguments(r) for r in rows])
            return len(rows)
        compiled = await self._prepare(_counted(statement), tuple(rows[0]))
        with _as_integrity_error(compiled):
            written = await self._driver.fetchmany(
                compiled.sql, [compiled.arguments(r) for r in rows]
            )
        return len(written)

    async def commit(self) -> None:
        if self._open:
            self._open = False
            await self._driver.execute("COMMIT")

    async def roll_back(self) -> None:
        if self._open:
            self._open = False
            await self._driver.execute("ROLLBACK")

    async def give_back(self) -> None:
        await self.roll_back()
        await greenlet_spawn(self._pooled.close)

    async def discard(self) -> None:
        with suppress(Exception):  # a dead connection cannot close cleanly
            await greenlet_spawn(self._pooled.invalidate)
            await greenlet_spawn(self._pooled.close)

    async def _prepare(self, statement: Executable, keys: tuple[str, ...]) -> _Compiled:
        """The statement compiled, once its transaction has begun."""
        if self._transactional and not self._open:
            await self._driver.execute("BEGIN")
            self._open = True
        return _compiled(statement, self._dialect, keys)


class _OnSqlite(Statements):
    """Through SQLAlchemy, whose types fill in what its driver lacks (time zones), and
    which begins a transaction at the first statement, as the engine tunes it."""

    dialect = "sqlite"

    def __init__(self, conn: AsyncConnection) -> None:
        self._conn = conn

    async def rows(
        self, statement: Executable, parameters: Row | None = None
    ) -> Sequence[Mapping[Any, Any]]:
        return (await self._conn.execute(statement, parameters)).mappings().all()

    async def execute(self, statement: Executable, parameters: Row | None = None) -> int:
        return (await self._conn.execute(statement, parameters)).rowcount

    async def execute_many(self, statement: Executable, rows: Sequence[Row]) -> int:
        if len(rows) <= 1:
            return await self.execute(statement, rows[0]) if rows else 0
        return (await self._conn.execute(statement, list(rows))).rowcount

    async def commit(self) -> None:
        await self._conn.commit()

    async def roll_back(self) -> None:
        await self._conn.rollback()

    async def give_back(self) -> None:
        await self.roll_back()
        await self._conn.close()

    async def discard(self) -> None:
        with suppress(Exception):  # a dead connection cannot close cleanly
            await self._conn.invalidate()
            await self._conn.close()
