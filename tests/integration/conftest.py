from collections.abc import AsyncIterator, Callable

import pytest

from adapters.memory.unit_of_work import MemoryStore, MemoryUnitOfWork
from adapters.sqlalchemy.engine import create_engine
from adapters.sqlalchemy.unit_of_work import SqlUnitOfWork
from application.ports import UnitOfWork
from tests.fakes import EventLog

MakeUow = Callable[..., UnitOfWork]


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
    """Unit-of-work factories over each adapter: the contract tests run on all three."""
    if backend is None:
        store = MemoryStore()
        yield lambda read_only=False: MemoryUnitOfWork(store, events, read_only=read_only)
        return
    engine = create_engine(backend)
    try:
        yield lambda read_only=False: SqlUnitOfWork(engine, events, read_only=read_only)
    finally:
        await engine.dispose()
