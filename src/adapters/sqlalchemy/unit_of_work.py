from types import TracebackType
from typing import Self

from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine

from adapters.sqlalchemy.engine import read_only_options
from adapters.sqlalchemy.refresh_tokens import SqlRefreshTokenRepository
from adapters.sqlalchemy.users import SqlUserRepository
from application.ports import EventPublisher


class SqlUnitOfWork:
    """One pooled connection and one transaction per ``async with``; rolled back and
    returned to the pool on exit unless committed."""

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
        conn = await self._engine.connect()
        try:
            if self._options:
                await conn.execution_options(**self._options)
            await conn.begin()
        except BaseException:
            await conn.close()
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
            try:
                await conn.rollback()
            finally:
                await conn.close()

    async def commit(self) -> None:
        if self._conn is None:
            raise RuntimeError("commit() outside 'async with'")
        await self._conn.commit()
        await self._publisher.publish([e for u in self.users.seen for e in u.pull_events()])
