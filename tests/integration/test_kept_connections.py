"""Connections are kept between units of work, and one the server closed meanwhile (a
restart, pg_terminate_backend) is replaced before it is lent: nobody gets it, nobody
waits for it."""

import asyncio
from uuid import uuid4

import asyncpg  # type: ignore[import-untyped]
import pytest
from sqlalchemy import make_url

from adapters.sqlalchemy.connections import Connections
from adapters.sqlalchemy.engine import create_engine
from adapters.sqlalchemy.unit_of_work import SqlReader
from tests.units_of_work import SQL

pytestmark = pytest.mark.postgres


async def _backends(postgres_db: str) -> list[int]:
    url = make_url(postgres_db).set(drivername="postgresql")
    admin = await asyncpg.connect(url.render_as_string(hide_password=False))
    try:
        pids = await admin.fetch(
            "SELECT pid FROM pg_stat_activity WHERE datname = $1 AND pid <> pg_backend_pid()",
            url.database,
        )
        return [row["pid"] for row in pids]
    finally:
        await admin.close()


async def _terminate(postgres_db: str) -> None:
    url = make_url(postgres_db).set(drivername="postgresql")
    admin = await asyncpg.connect(url.render_as_string(hide_password=False))
    try:
        await admin.execute(
            "SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
            "WHERE datname = $1 AND pid <> pg_backend_pid()",
            url.database,
        )
    finally:
        await admin.close()


async def test_one_connection_serves_unit_after_unit(postgres_db: str) -> None:
    one = Connections(create_engine(postgres_db, pool_size=3, max_overflow=0))
    try:
        for _ in range(5):
            async with SqlReader(one, SQL) as uow:
                assert await uow.users.get(uuid4()) is None  # type: ignore[attr-defined]
        assert len(await _backends(postgres_db)) == 1
    finally:
        await one.dispose()
    assert await _backends(postgres_db) == []  # disposed: the kept one closed too


async def test_a_kept_connection_the_server_closed_is_replaced_before_it_is_lent(
    postgres_db: str,
) -> None:
    one = Connections(create_engine(postgres_db, pool_size=1, max_overflow=0))
    try:
        async with SqlReader(one, SQL) as uow:
            await uow.users.get(uuid4())  # type: ignore[attr-defined]
        await _terminate(postgres_db)
        await asyncio.sleep(0.1)  # the driver notices the closed socket
        async with asyncio.timeout(5), SqlReader(one, SQL) as uow:
            assert await uow.users.get(uuid4()) is None  # type: ignore[attr-defined]
    finally:
        await one.dispose()
