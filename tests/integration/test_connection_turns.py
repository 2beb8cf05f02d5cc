"""Units of work take their turn for the pool's connections: first come, first served,
and a turn waited for longer than the pool's timeout is a 503, not a hang."""

import asyncio
from collections.abc import AsyncIterator, Callable

import pytest

from adapters.sqlalchemy import connections
from adapters.sqlalchemy.connections import Connections
from adapters.sqlalchemy.engine import create_engine
from adapters.sqlalchemy.unit_of_work import SqlReader
from domain.shared.errors import ServiceUnavailable
from tests.units_of_work import SQL

pytestmark = pytest.mark.parametrize(
    "backend", ["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)], indirect=True
)


@pytest.fixture
async def reader(backend: str) -> AsyncIterator[Callable[[], SqlReader]]:
    """Readers sharing one connection, and one turn for it."""
    one = Connections(create_engine(backend, read_only=True, pool_size=1, max_overflow=0))
    yield lambda: SqlReader(one, SQL)
    await one.dispose()


async def test_waiting_units_of_work_get_the_connection_in_the_order_they_asked(
    reader: Callable[[], SqlReader],
) -> None:
    served: list[str] = []

    async def read(name: str) -> None:
        async with reader():
            served.append(name)
            await asyncio.sleep(0.01)

    async with reader():
        first = [asyncio.create_task(read(name)) for name in "ABC"]
        await asyncio.sleep(0.05)  # all three are waiting
    late = [asyncio.create_task(read(name)) for name in "DE"]
    await asyncio.gather(*first, *late)
    assert served == list("ABCDE")


async def test_a_turn_not_given_within_the_pool_timeout_is_service_unavailable_and_frees_nothing(
    reader: Callable[[], SqlReader], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(connections, "POOL_TIMEOUT_SECONDS", 0.05)
    async with reader():
        with pytest.raises(ServiceUnavailable):
            async with reader():
                pass
    # The turn that timed out was never taken, and the first one came back.
    async with asyncio.timeout(1), reader() as uow:
        assert uow is not None


async def test_a_unit_of_work_that_fails_gives_its_turn_back(
    reader: Callable[[], SqlReader],
) -> None:
    for _ in range(3):
        with pytest.raises(RuntimeError):
            async with reader():
                raise RuntimeError("the use case failed")
    async with asyncio.timeout(1), reader():
        pass
