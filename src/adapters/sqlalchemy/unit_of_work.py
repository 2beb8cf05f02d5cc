from contextlib import suppress
from types import TracebackType
from typing import Any, Self

import asyncpg  # type: ignore[import-untyped]
from sqlalchemy.exc import DBAPIError, InterfaceError, OperationalError
from sqlalchemy.exc import TimeoutError as PoolTimeout
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine

from adapters.sqlalchemy.catalog import SqlProductRepository, SqlStockMovementRepository
from adapters.sqlalchemy.orders import (
    SqlIdempotencyRepository,
    SqlOrderRepository,
    SqlPaymentRepository,
)
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
    ServiceUnavailable, whichever statement finds it out."""

    def __init__(self, engine: AsyncEngine) -> None:
        self._engine = engine
        self._conn: AsyncConnection | None = None
        self._seen: list[Aggregate] = []
        # Reads on PostgreSQL autocommit, so there is no transaction to open (and its
        # BEGIN/ROLLBACK cost 22 us); on SQLite a deferred one keeps them consistent.
        self._begins = engine.dialect.name == "sqlite"

    async def __aenter__(self) -> Self:
        if self._conn is not None:
            raise RuntimeError("this unit of work is in use; one transaction at a time")
        try:
            conn = await self._engine.connect()
        except (DBAPIError, OSError, TimeoutError, PoolTimeout) as error:
            raise ServiceUnavailable("The database does not answer") from error
        try:
            if self._begins:
                await conn.begin()
        except BaseException as error:
            await _close_quietly(conn)
            if database_unreachable(error):
                raise ServiceUnavailable("The database does not answer") from error
            raise
        self._conn = conn
        self._seen = []
        driver = await _asyncpg_connection(conn)
        self.users = SqlUserRepository(conn, self._seen.append, driver)
        self.refresh_tokens = SqlRefreshTokenRepository(conn)
        self.products = SqlProductRepository(conn, self._seen.append, driver)
        self.stock_movements = SqlStockMovementRepository(conn)
        self.orders = SqlOrderRepository(conn, self._seen.append)
        self.payments = SqlPaymentRepository(conn)
        self.idempotency_keys = SqlIdempotencyRepository(conn)
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        conn, self._conn = self._conn, None
        if conn is not None:
            if exc is None:
                await conn.close()  # rolls back whatever was not committed
            else:  # the error that got us here is the one to tell
                await _close_quietly(conn, invalidate=database_unreachable(exc))
        if exc is None:
            return
        if _write_refused(exc):
            raise WriteRefused("a write through a read-only unit of work") from exc
        if database_unreachable(exc):
            raise ServiceUnavailable("The database does not answer") from exc


class SqlUnitOfWork(SqlReader):
    """One pooled connection and one transaction per ``async with``; rolled back and
    returned to the pool on exit unless committed."""

    def __init__(self, engine: AsyncEngine, publisher: EventPublisher) -> None:
        super().__init__(engine)
        self._publisher = publisher
        self._begins = True

    async def commit(self) -> None:
        if self._conn is None:
            raise RuntimeError("commit() outside 'async with'")
        await self._conn.commit()
        await self._publisher.publish([e for a in self._seen for e in a.pull_events()])


async def _asyncpg_connection(conn: AsyncConnection) -> Any:
    """The driver's own connection under ``conn`` on PostgreSQL (for hot reads), else None."""
    if conn.dialect.name != "postgresql":
        return None
    return (await conn.get_raw_connection()).driver_connection


async def _close_quietly(conn: AsyncConnection, *, invalidate: bool = False) -> None:
    """Gives the connection back; a lost one is invalidated first, so the pool replaces
    it instead of handing it out again. A dead connection cannot close cleanly."""
    with suppress(Exception):
        if invalidate:
            await conn.invalidate()
        await conn.close()
