from collections.abc import AsyncIterator, Callable

import pytest

from adapters.memory.unit_of_work import MemoryReader, MemoryStore, MemoryUnitOfWork
from adapters.payments.fake import GatewayBooks, MemoryGatewayBooks
from adapters.sqlalchemy.connections import Connections
from adapters.sqlalchemy.engine import create_engine
from adapters.sqlalchemy.gateway_books import SqlGatewayBooks
from adapters.sqlalchemy.unit_of_work import SqlReader, SqlUnitOfWork
from application.users.ports import UsersUnitOfWork
from tests.fakes import EventLog
from tests.units_of_work import MEMORY, SQL

MakeUow = Callable[..., UsersUnitOfWork]


@pytest.fixture(params=["memory", "sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def backend(request: pytest.FixtureRequest) -> str | None:
    """None for the in-memory adapter, else the URL of a migrated throwaway database."""
    if request.param == "memory":
        return None
    return str(request.getfixturevalue(f"{request.param}_db"))


@pytest.fixture
def events() -> EventLog:
    return EventLog()


@pytest.fixture
async def make_uow(backend: str | None, events: EventLog) -> AsyncIterator[MakeUow]:
    """Unit-of-work factories over each adapter: the contract tests run on all three.
    ``make_uow(read_only=True)`` gives the read-only one."""
    if backend is None:
        store = MemoryStore()
        yield (
            lambda read_only=False: (
                MemoryReader(store, MEMORY)
                if read_only
                else MemoryUnitOfWork(store, MEMORY, events.writer())
            )
        )
        return
    connections = Connections(create_engine(backend))
    read_connections = Connections(create_engine(backend, read_only=True))
    try:
        yield (
            lambda read_only=False: (
                SqlReader(read_connections, SQL)
                if read_only
                else SqlUnitOfWork(connections, SQL, events.writer())
            )
        )
    finally:
        await connections.dispose()
        await read_connections.dispose()


@pytest.fixture
async def books(backend: str | None) -> AsyncIterator[GatewayBooks]:
    """The fake gateway's books on the same backend as the shop."""
    if backend is None:
        yield MemoryGatewayBooks()
        return
    connections = Connections(create_engine(backend))
    try:
        yield SqlGatewayBooks(connections)
    finally:
        await connections.dispose()
