"""How statements are run: compiled once each, whatever the values sent with them, in a
cache that cannot grow without end; and a write's transaction is begun and ended by its
unit of work alone, at no cost when nothing is sent."""

import asyncio
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import UTC, datetime, timedelta
from typing import Any
from uuid import uuid4

import pytest
from sqlalchemy import event
from sqlalchemy.ext.asyncio import AsyncEngine

from adapters.sqlalchemy import statements
from adapters.sqlalchemy.connections import Connections
from adapters.sqlalchemy.engine import create_engine
from adapters.sqlalchemy.unit_of_work import SqlReader, SqlUnitOfWork
from application.catalog.commands import ProductSort
from application.catalog.ports import ProductQuery
from application.orders.ports import OrderQuery
from application.users.ports import UserQuery
from domain.shared.money import Currency, Money
from domain.users import Role
from tests.factories import UserFactory
from tests.units_of_work import EVENTS, SQL

pytestmark = pytest.mark.postgres  # only the driver's path compiles statements itself

EUR = Currency("EUR")


def _queries(n: int) -> tuple[ProductQuery, OrderQuery, UserQuery]:
    at = datetime(2026, 1, 1, tzinfo=UTC) + timedelta(minutes=n)
    return (
        ProductQuery(
            text=f"mug {n}",
            min_price=Money(n, EUR),
            sort=ProductSort.DEAREST,
            limit=1 + n,
            after=(n * 100, uuid4()),
        ),
        OrderQuery(customer_id=uuid4(), limit=1 + n, after=(at, uuid4())),
        UserQuery(role=Role.CUSTOMER, text=f"ada{n}", limit=1 + n, after=(at, uuid4())),
    )


async def test_each_statement_is_compiled_once_whatever_its_values(postgres_db: str) -> None:
    connections = Connections(create_engine(postgres_db, read_only=True))
    try:

        async def read(n: int) -> None:
            products, orders, users = _queries(n)
            async with SqlReader(connections, SQL) as uow:
                await uow.products.list(products)  # type: ignore[attr-defined]
                await uow.orders.list(orders)  # type: ignore[attr-defined]
                await uow.users.list(users)  # type: ignore[attr-defined]

        await read(0)
        compiled = statements._compiled.cache_info().currsize
        for n in range(1, 30):
            await read(n)
        assert statements._compiled.cache_info().currsize == compiled
    finally:
        await connections.dispose()


def test_the_cache_of_compiled_statements_is_bounded() -> None:
    assert statements._compiled.cache_info().maxsize == statements.COMPILED_STATEMENTS


@asynccontextmanager
async def sent(engine: AsyncEngine) -> AsyncIterator[list[str]]:
    """What the driver sends on the connections ``engine`` lends meanwhile."""
    seen: list[str] = []

    def watch(dbapi_connection: Any, *_: Any) -> None:
        dbapi_connection.driver_connection.add_query_logger(
            lambda query: seen.append(query.query.split()[0])
        )

    event.listen(engine.sync_engine, "checkout", watch)
    try:
        yield seen
    finally:
        event.remove(engine.sync_engine, "checkout", watch)


async def test_a_write_begins_at_its_first_statement_and_ends_at_its_commit(
    postgres_db: str,
) -> None:
    # One connection, kept between the units of work: watched from its first checkout.
    connections = Connections(create_engine(postgres_db, pool_size=1, max_overflow=0))
    try:
        async with sent(connections.engine) as statements:
            async with SqlUnitOfWork(connections, SQL, EVENTS) as uow:
                assert uow
            await asyncio.sleep(0)  # the driver tells its loggers soon after, not at once
            assert statements == []  # nothing to do: not even a BEGIN
            async with SqlUnitOfWork(connections, SQL, EVENTS) as uow:
                await uow.users.add(UserFactory())  # type: ignore[attr-defined]
                await uow.commit()
            await asyncio.sleep(0)
            assert statements == ["BEGIN", "INSERT", "COMMIT"]  # no empty transaction after
            statements.clear()
            async with SqlUnitOfWork(connections, SQL, EVENTS) as uow:
                await uow.users.add(UserFactory())  # type: ignore[attr-defined]
                await uow.commit()
                await uow.users.add(UserFactory())  # type: ignore[attr-defined]
            await asyncio.sleep(0)
        assert statements == ["BEGIN", "INSERT", "COMMIT", "BEGIN", "INSERT", "ROLLBACK"]
    finally:
        await connections.dispose()
