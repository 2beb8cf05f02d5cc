import asyncio
from collections.abc import Awaitable, Callable
from contextlib import suppress
from types import TracebackType
from typing import Any, Self

import asyncpg  # type: ignore[import-untyped]
from sqlalchemy.exc import DBAPIError, InterfaceError, OperationalError
from sqlalchemy.exc import TimeoutError as PoolTimeout
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine

from adapters.sqlalchemy.catalog import SqlProductRepository, SqlStockMovementRepository
from adapters.sqlalchemy.engine import POOL_TIMEOUT_SECONDS
from adapters.sqlalchemy.orders import (
    SqlIdempotencyRepository,
    SqlOrderRepository,
    SqlPaymentRepository,
)
from adapters.sqlalchemy.statements import Statements
from adapters.sqlalchemy.users import SqlRefreshTokenRepository, SqlUserRepository
from application.shared.ports import EventPublisher, WriteRefused
from domain.shared.aggregate import Aggregate
from domain.shared.errors import ServiceUnavailable

_PG_READ_ONLY_TRANSACTION = "25006"
_SQLITE_READONLY = 8


# What the driver itself raises (on the hot reads that skip SQLAlchemy) when the
# connection is lost or the server shuts down.
_DRIVER_CONNECTION_LOST = (
    asyncpg.exceptions.InterfaceError,
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
    """The database refused a write on a read-only connection."""
    orig = getattr(error, "orig", None)
    sqlstate = getattr(getattr(orig, "__cause__", None), "sqlstate", None)
    return (
        sqlstate == _PG_READ_ONLY_TRANSACTION
        or getattr(orig, "sqlite_errorcode", None) == _SQLITE_READONLY
    )


class SqlReader:
    """A read-only unit of work: one pooled connection of the read-only engine, whose
    writes the database refuses (WriteRefused). A database that does not answer is
    ServiceUnavailable, whichever statement finds it out.

    ``turns``, as large as the engine's pool, hands its connections out first come,
    first served. SQLAlchemy's async pool wakes a waiter when a connection comes back
    but lets whoever asks before that waiter runs take it, so under load some requests
    lose their turn again and again (at 64 clients on 20 connections, the slowest 1% of
    checkouts took three times the median). ``asyncio.Semaphore`` lets nobody past its
    waiters."""

    def __init__(self, engine: AsyncEngine, turns: asyncio.Semaphore | None = None) -> None:
        self._engine, self._turns = engine, turns
        self._conn: AsyncConnection | None = None
        self._seen: list[Aggregate] = []

    async def __aenter__(self) -> Self:
        if self._conn is not None:
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
            conn = await self._engine.connect()
        except (DBAPIError, OSError, TimeoutError, PoolTimeout) as error:
            raise ServiceUnavailable("The database does not answer") from error
        try:
            driver = await _asyncpg_connection(conn)
            await self._begin(conn, driver)
        except BaseException as error:
            await _close_quietly(conn, invalidate=True)
            if database_unreachable(error):
                raise ServiceUnavailable("The database does not answer") from error
            raise
        self._conn = conn
        self._seen = []
        statements = Statements(conn, driver)
        self.users = SqlUserRepository(conn, self._seen.append, driver)
        self.refresh_tokens = SqlRefreshTokenRepository(conn)
        self.products = SqlProductRepository(statements, self._seen.append)
        self.stock_movements = SqlStockMovementRepository(statements)
        self.orders = SqlOrderRepository(statements, self._seen.append)
        self.payments = SqlPaymentRepository(conn)
        self.idempotency_keys = SqlIdempotencyRepository(conn)
        return self

    async def _begin(self, conn: AsyncConnection, driver: Any) -> None:
        # Reads on PostgreSQL autocommit, so there is no transaction to open (and its
        # BEGIN/ROLLBACK cost 22 us); on SQLite a deferred one keeps them consistent.
        if driver is None:
            await conn.begin()

    async def _roll_back(self) -> None:
        """Ends a transaction SQLAlchemy does not know of (closing the connection rolls
        back the ones it does)."""

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        conn, self._conn = self._conn, None
        if conn is None:
            raise RuntimeError("__aexit__ without __aenter__")
        try:
            if exc is None:
                await self._close(conn)
            else:  # the error that got us here is the one to tell
                await _close_quietly(conn, self._roll_back, database_unreachable(exc))
        finally:
            self._end_turn()
        if exc is None:
            return
        if _write_refused(exc):
            raise WriteRefused("a write through a read-only unit of work") from exc
        if database_unreachable(exc):
            raise ServiceUnavailable("The database does not answer") from exc

    async def _close(self, conn: AsyncConnection) -> None:
        """Rolls back whatever was not committed, and gives the connection back; one that
        cannot roll back is not given out again."""
        try:
            await self._roll_back()
        except BaseException:
            await _close_quietly(conn, invalidate=True)
            raise
        await conn.close()


class SqlUnitOfWork(SqlReader):
    """One pooled connection and one transaction per ``async with``; rolled back and
    returned to the pool on exit unless committed.

    On PostgreSQL the transaction is the driver's own (BEGIN and COMMIT sent on the
    asyncpg connection) and SQLAlchemy autocommits on this connection, so that every
    statement, through SQLAlchemy or straight to the driver (``Statements``), runs in
    it. SQLAlchemy would open its transaction only at its first statement of its own."""

    def __init__(
        self,
        engine: AsyncEngine,
        publisher: EventPublisher,
        turns: asyncio.Semaphore | None = None,
    ) -> None:
        super().__init__(engine, turns)
        self._publisher = publisher
        self._driver: Any = None

    async def _begin(self, conn: AsyncConnection, driver: Any) -> None:
        if driver is None:
            await conn.begin()
            return
        await conn.execution_options(isolation_level="AUTOCOMMIT")
        await driver.execute("BEGIN")
        self._driver = driver

    async def _roll_back(self) -> None:
        driver, self._driver = self._driver, None
        if driver is not None:
            await driver.execute("ROLLBACK")

    async def commit(self) -> None:
        if self._conn is None:
            raise RuntimeError("commit() outside 'async with'")
        if self._driver is None:
            await self._conn.commit()
        else:  # and the next transaction, in the same round trip, as SQLAlchemy would
            await self._driver.execute("COMMIT; BEGIN")
        await self._publisher.publish([e for a in self._seen for e in a.pull_events()])


async def _asyncpg_connection(conn: AsyncConnection) -> Any:
    """The driver's own connection under ``conn`` on PostgreSQL, else None."""
    if conn.dialect.name != "postgresql":
        return None
    return (await conn.get_raw_connection()).driver_connection


async def _close_quietly(
    conn: AsyncConnection,
    roll_back: Callable[[], Awaitable[None]] | None = None,
    invalidate: bool = False,
) -> None:
    """Gives the connection back after ``roll_back``; a lost one, or one that could not
    roll back, is invalidated first, so the pool replaces it instead of handing it out
    again. A dead connection cannot close cleanly."""
    with suppress(Exception):
        if roll_back is not None and not invalidate:
            try:
                await roll_back()
            except Exception:
                invalidate = True
        if invalidate:
            await conn.invalidate()
        await conn.close()
