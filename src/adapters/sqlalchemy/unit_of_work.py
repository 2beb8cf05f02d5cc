from contextlib import suppress
from types import TracebackType
from typing import Self

from sqlalchemy.exc import DBAPIError, InterfaceError, OperationalError
from sqlalchemy.exc import TimeoutError as PoolTimeout
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine

from adapters.sqlalchemy.engine import read_only_options
from adapters.sqlalchemy.refresh_tokens import SqlRefreshTokenRepository
from adapters.sqlalchemy.users import SqlUserRepository
from application.ports import EventPublisher
from domain.shared.errors import ServiceUnavailable


def database_unreachable(error: BaseException) -> bool:
    """The database is down, gone, or not answering in time: not the request's fault."""
    if isinstance(error, OSError | TimeoutError | PoolTimeout | OperationalError | InterfaceError):
        return True
    return isinstance(error, DBAPIError) and error.connection_invalidated


class SqlUnitOfWork:
    """One pooled connection and one transaction per ``async with``; rolled back and
    returned to the pool on exit unless committed. A database that does not answer is
    ServiceUnavailable, whichever statement finds it out."""

    def __init__(
        self, engine: AsyncEngine, publisher: EventPublisher, *, read_only: bool = False
    ) -> None:
        self._engine = engine
        self._publisher = publisher
        self._options = read_only_options(engine) if read_only else {}
        self._conn: AsyncConnection | None = None

    async def __aenter__(self) -> Self:
        if self._conn is not None:
            raise RuntimeError("this unit of work is in use; one transaction at a time")
        try:
            conn = await self._engine.connect()
        except (DBAPIError, OSError, TimeoutError, PoolTimeout) as error:
            raise ServiceUnavailable("The database does not answer") from error
        try:
            if self._options:
                await conn.execution_options(**self._options)
            await conn.begin()
        except BaseException as error:
            await _close_quietly(conn)
            if database_unreachable(error):
                raise ServiceUnavailable("The database does not answer") from error
            raise
        self._conn = conn
        self.users = SqlUserRepository(conn)
        self.refresh_tokens = SqlRefreshTokenRepository(conn)
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
                try:
                    await conn.rollback()
                finally:
                    await conn.close()
            else:  # the error that got us here is the one to tell
                await _close_quietly(conn)
        if exc is not None and database_unreachable(exc):
            raise ServiceUnavailable("The database does not answer") from exc

    async def commit(self) -> None:
        if self._conn is None:
            raise RuntimeError("commit() outside 'async with'")
        await self._conn.commit()
        await self._publisher.publish([e for u in self.users.seen for e in u.pull_events()])


async def _close_quietly(conn: AsyncConnection) -> None:
    # A dead connection cannot close cleanly; the pool drops it either way.
    with suppress(Exception):
        await conn.close()
