"""Races that only a database with real concurrency can show (SQLite serialises writers)."""

import asyncio
from collections.abc import AsyncIterator
from datetime import timedelta

import pytest

from adapters.security.tokens import JwtTokenService
from adapters.sqlalchemy.connections import Connections
from adapters.sqlalchemy.engine import create_engine
from adapters.sqlalchemy.unit_of_work import SqlUnitOfWork
from adapters.system import Uuid7Generator
from adapters.throttle import ThrottleLimits
from adapters.throttle.memory import MemoryLoginThrottle
from application.shared.actor import Actor
from application.users.admin import UpdateUserHandler
from application.users.commands import Refresh, UpdateUser
from application.users.errors import InvalidToken
from application.users.sessions import RefreshHandler
from application.users.shared import Accounts, issue_session
from domain.users import LastAdmin, Role
from tests.factories import UserFactory
from tests.fakes import FakeClock, FakeHasher
from tests.units_of_work import EVENTS, SQL

pytestmark = pytest.mark.postgres

RACERS = 8


@pytest.fixture
async def connections(postgres_db: str) -> AsyncIterator[Connections]:
    connections = Connections(create_engine(postgres_db, pool_size=RACERS))
    yield connections
    await connections.dispose()


def _accounts(connections: Connections, clock: FakeClock) -> Accounts:
    """The accounts use cases' ports on PostgreSQL, as the container builds them: one
    unit of work per call."""
    return Accounts(
        uow=lambda: SqlUnitOfWork(connections, SQL, EVENTS),
        read_uow=lambda: SqlUnitOfWork(connections, SQL, EVENTS),
        ids=Uuid7Generator(),
        clock=clock,
        hasher=FakeHasher(),
        tokens=JwtTokenService(
            secret_key="k" * 32,
            issuer="i",
            audience="a",
            access_ttl_seconds=900,
            refresh_ttl_seconds=3600,
            clock=clock,
        ),
        throttle=MemoryLoginThrottle(ThrottleLimits(), clock),
        reuse_grace=timedelta(seconds=10),
    )


async def test_concurrent_demotions_never_remove_every_admin(connections: Connections) -> None:
    admins = [UserFactory(admin=True) for _ in range(RACERS)]
    async with SqlUnitOfWork(connections, SQL, EVENTS) as uow:
        for admin in admins:
            await uow.users.add(admin)
        await uow.commit()

    demote, operator = UpdateUserHandler(_accounts(connections, FakeClock())), Actor.operator()
    results = await asyncio.gather(
        *(demote(UpdateUser(operator, a.id, role=Role.CUSTOMER)) for a in admins),
        return_exceptions=True,
    )

    assert [type(r) for r in results if isinstance(r, BaseException)] == [LastAdmin]
    async with SqlUnitOfWork(connections, SQL, EVENTS) as uow:
        assert await uow.users.count_active_admins() == 1


async def test_one_refresh_token_used_twice_at_once_rotates_only_once(
    connections: Connections,
) -> None:
    accounts, user = _accounts(connections, FakeClock()), UserFactory()
    async with accounts.uow() as uow:
        await uow.users.add(user)
        pair = await issue_session(accounts, uow, user)
        await uow.commit()

    refresh = RefreshHandler(accounts)
    results = await asyncio.gather(
        *(refresh(Refresh(pair.refresh_token)) for _ in range(RACERS)), return_exceptions=True
    )

    winners = [r for r in results if not isinstance(r, BaseException)]
    assert len(winners) == 1
    assert all(isinstance(r, InvalidToken) for r in results if isinstance(r, BaseException))
    # The losers were a double submit within the grace: the winner's session lives on.
    assert await refresh(Refresh(winners[0].refresh_token))
