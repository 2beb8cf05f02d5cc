"""Units of work on a database's connections: one each, its statements run by
``Statements``, and the repositories each bounded context registers."""

from types import TracebackType
from typing import Self

from adapters.sqlalchemy import outbox
from adapters.sqlalchemy.connections import Connections, database_unreachable
from adapters.sqlalchemy.statements import Repositories, Statements
from application.shared.outbox import OutboxWriter
from application.shared.ports import WriteRefused
from domain.shared.aggregate import Aggregate
from domain.shared.errors import ServiceUnavailable

_PG_READ_ONLY_TRANSACTION = "25006"
_SQLITE_READONLY = 8


def _write_refused(error: BaseException) -> bool:
    """The database refused a write on a read-only connection: PostgreSQL says so to
    the driver, SQLite through SQLAlchemy."""
    orig = getattr(error, "orig", None)
    return (
        getattr(error, "sqlstate", None) == _PG_READ_ONLY_TRANSACTION
        or getattr(orig, "sqlite_errorcode", None) == _SQLITE_READONLY
    )


class SqlReader:
    """A read-only unit of work: one connection of the read-only engine, whose writes
    the database refuses (WriteRefused), lent by ``connections`` in turn, and the
    repositories ``repositories`` names, built on it. A database that does not answer is
    ServiceUnavailable, whichever statement finds it out, and the connection that found
    it out is not lent again."""

    _transactional = False

    def __init__(self, connections: Connections, repositories: Repositories) -> None:
        self._connections, self._repositories = connections, repositories
        self._statements: Statements | None = None
        self._seen: list[Aggregate] = []

    async def __aenter__(self) -> Self:
        if self._statements is not None:
            raise RuntimeError("this unit of work is in use; one transaction at a time")
        statements = await self._connections.lend(transactional=self._transactional)
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
        await self._connections.take_back(statements, exc)
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
        self, connections: Connections, repositories: Repositories, events: OutboxWriter
    ) -> None:
        super().__init__(connections, repositories)
        self._events = events

    async def commit(self) -> None:
        if self._statements is None:
            raise RuntimeError("commit() outside 'async with'")
        if events := self._events.take(self._seen):
            await outbox.append(self._statements, events)
        await self._statements.commit()
