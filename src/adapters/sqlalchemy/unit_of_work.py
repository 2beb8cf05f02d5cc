"""Units of work on SQLAlchemy's pools: a connection each, its statements run by
``Statements``, and the repositories each bounded context registers."""

import asyncio
from types import TracebackType
from typing import Self

import asyncpg  # type: ignore[import-untyped]
from sqlalchemy.exc import DBAPIError, InterfaceError, OperationalError
from sqlalchemy.exc import TimeoutError as PoolTimeout
from sqlalchemy.ext.asyncio import AsyncEngine

from adapters.sqlalchemy import outbox
from adapters.sqlalchemy.engine import POOL_TIMEOUT_SECONDS
from adapters.sqlalchemy.statements import Repositories, Statements
from application.shared.outbox import OutboxWriter
from application.shared.ports import WriteRefused
from domain.shared.aggregate import Aggregate
from domain.shared.errors import ServiceUnavailable

_PG_READ_ONLY_TRANSACTION = "25006"
_SQLITE_READONLY = 8

# What the driver raises when the connection is lost, the server shuts down, or the
# connection was left mid-statement ("cannot switch to state 12; another operation is
# in progress", after a connection was terminated under load).
_DRIVER_CONNECTION_LOST = (
    asyncpg.exceptions.InterfaceError,
    asyncpg.exceptions.InternalClientError,
    asyncpg.exceptions.PostgresConnectionError,
    asyncpg.exceptions.OperatorInterventionError,
)


def database_unreachable(error: BaseException) -> bool:
    """The database is down, gone, or not answering in time: not the request's fault."""
    lost = (OSError, TimeoutError, PoolTimeout, OperationalError, InterfaceError)
    if isinstance(error, lost + _DRIVER_CONNECTION_LOST):
        return True
    return isinstance(error, DBAPIError) and error.connection_invalidated


def _write_refused(error: BaseException) -> bool:
    """The database refused a write on a read-only connection: PostgreSQL says so to
    the driver, SQLite through SQLAlchemy."""
    orig = getattr(error, "orig", None)
    return (
        getattr(error, "sqlstate", None) == _PG_READ_ONLY_TRANSACTION
        or getattr(orig, "sqlite_errorcode", None) == _SQLITE_READONLY
    )


class SqlReader:
    """A read-only unit of work: one pooled connection of the read-only engine, whose
    writes the database refuses (WriteRefused), and the repositories ``repositories``
    names, built on it. A database that does not answer is ServiceUnavailable, whichever
    statement finds it out, and the connection that found it out is not pooled again.

    ``turns``, as large as the engine's pool, hands its connections out first come,
    first served. SQLAlchemy's async pool wakes a waiter when a connection comes back
    but lets whoever asks before that waiter runs take it, so under load some requests
    lose their turn again and again (at 64 clients on 20 connections, the slowest 1% of
    checkouts took three times the median). ``asyncio.Semaphore`` lets nobody past its
    waiters."""

    _transactional = False

    def __init__(
        self,
        engine: AsyncEngine,
        repositories: Repositories,
        turns: asyncio.Semaphore | None = None,
    ) -> None:
        self._engine, self._repositories, self._turns = engine, repositories, turns
        self._statements: Statements | None = None
        self._seen: list[Aggregate] = []

    async def __aenter__(self) -> Self:
        if self._statements is not None:
            raise RuntimeError("this unit of work is in use; one transaction at a time")
        await self._wait_turn()
        try:
            return await self._enter()
        except BaseException:
            self._end_turn()
            raise

    async def _wait_turn(self) -> None:
        if self._turns is None:
            return
        if not self._turns.locked():  # a turn is free: no timer to set
            await self._turns.acquire()
            return
        try:
            async with asyncio.timeout(POOL_TIMEOUT_SECONDS):
                await self._turns.acquire()
        except TimeoutError as error:
            raise ServiceUnavailable("The database does not answer") from error

    def _end_turn(self) -> None:
        if self._turns is not None:
            self._turns.release()

    async def _enter(self) -> Self:
        try:
            statements = await Statements.checkout(self._engine, transactional=self._transactional)
        except (DBAPIError, OSError, TimeoutError, PoolTimeout) as error:
            raise ServiceUnavailable("The database does not answer") from error
        self._statements, self._seen = statements, []
        for name, repository in self._repositories.items():
            setattr(self, name, repository(statements, self._seen.append))
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        statements, self._statements = self._statements, None
        if statements is None:
            raise RuntimeError("__aexit__ without __aenter__")
        try:
            await _give_back(statements, exc)
        finally:
            self._end_turn()
        if exc is None:
            return
        if _write_refused(exc):
            raise WriteRefused("a write through a read-only unit of work") from exc
        if database_unreachable(exc):
            raise ServiceUnavailable("The database does not answer") from exc


class SqlUnitOfWork(SqlReader):
    """One pooled connection and one transaction per ``async with``: it begins at the
    first statement, and whatever is not committed when the block ends is rolled back.
    A commit first appends to the outbox the events of every aggregate its repositories
    handed out or stored, in the same transaction."""

    _transactional = True

    def __init__(
        self,
        engine: AsyncEngine,
        repositories: Repositories,
        events: OutboxWriter,
        turns: asyncio.Semaphore | None = None,
    ) -> None:
        super().__init__(engine, repositories, turns)
        self._events = events

    async def commit(self) -> None:
        if self._statements is None:
            raise RuntimeError("commit() outside 'async with'")
        if events := self._events.take(self._seen):
            await outbox.append(self._statements, events)
        await self._statements.commit()


async def _give_back(statements: Statements, error: BaseException | None) -> None:
    """Rolls back what was not committed and gives the connection back to the pool,
    unless the block ended in a way that leaves the connection in doubt: lost, cancelled
    half-way through a statement, or failing to roll back. Such a connection is
    discarded, never handed out again."""
    if error is not None and not _connection_sound(error):
        await statements.discard()
        return
    try:
        await statements.give_back()
    except BaseException:
        await statements.discard()
        if error is None:
            raise


def _connection_sound(error: BaseException) -> bool:
    """The error left the connection as good as before: the database refused a
    statement, or the use case gave up on its own."""
    return isinstance(error, Exception) and not database_unreachable(error)
