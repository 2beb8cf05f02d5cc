"""Races that only a database with real concurrency can show (SQLite serialises writers)."""

import asyncio
from collections.abc import AsyncIterator
from datetime import timedelta

import pytest
from sqlalchemy.ext.asyncio import AsyncEngine

from adapters.security.tokens import JwtTokenService
from adapters.sqlalchemy.engine import create_engine
from adapters.sqlalchemy.unit_of_work import SqlUnitOfWork
from adapters.system import Uuid7Generator
from application.errors import InvalidToken
from application.users.admin import UpdateUserAsAdmin
from application.users.commands import UpdateUser
from application.users.sessions import RefreshSession, SessionIssuer
from domain.users import LastAdmin, Role
from tests.factories import UserFactory
from tests.fakes import EventLog, FakeClock

pytestmark = pytest.mark.postgres

RACERS = 8


@pytest.fixture
async def engine(postgres_db: str) -> AsyncIterator[AsyncEngine]:
    engine = create_engine(postgres_db, pool_size=RACERS)
    yield engine
    await engine.dispose()


async def test_concurrent_demotions_never_remove_every_admin(engine: AsyncEngine) -> None:
    clock = FakeClock()
    admins = [UserFactory(admin=True) for _ in range(RACERS)]
    async with SqlUnitOfWork(engine, EventLog()) as uow:
        for admin in admins:
            await uow.users.add(admin)
        await uow.commit()

    async def demote(user_id):  # type: ignore[no-untyped-def]
        use_case = UpdateUserAsAdmin(uow=SqlUnitOfWork(engine, EventLog()), clock=clock)
        return await use_case(UpdateUser(user_id, role=Role.CUSTOMER))

    results = await asyncio.gather(*(demote(a.id) for a in admins), return_exceptions=True)

    assert [type(r) for r in results if isinstance(r, BaseException)] == [LastAdmin]
    async with SqlUnitOfWork(engine, EventLog()) as uow:
        assert await uow.users.count_active_admins() == 1


async def test_one_refresh_token_used_twice_at_once_rotates_only_once(engine: AsyncEngine) -> None:
    clock = FakeClock()
    tokens = JwtTokenService(
        secret_key="k" * 32,
        issuer="i",
        audience="a",
        access_ttl_seconds=900,
        refresh_ttl_seconds=3600,
        clock=clock,
    )
    sessions = SessionIssuer(tokens=tokens, ids=Uuid7Generator(), clock=clock)
    user = UserFactory()
    async with SqlUnitOfWork(engine, EventLog()) as uow:
        await uow.users.add(user)
        pair = await sessions.issue(uow, user)
        await uow.commit()

    def refresh_session() -> RefreshSession:
        return RefreshSession(
            uow=SqlUnitOfWork(engine, EventLog()),
            sessions=sessions,
            clock=clock,
            reuse_grace=timedelta(seconds=10),
        )

    results = await asyncio.gather(
        *(refresh_session()(pair.refresh_token) for _ in range(RACERS)), return_exceptions=True
    )

    winners = [r for r in results if not isinstance(r, BaseException)]
    assert len(winners) == 1
    assert all(isinstance(r, InvalidToken) for r in results if isinstance(r, BaseException))
    # The losers were a double submit within the grace: the winner's session lives on.
    assert await refresh_session()(winners[0].refresh_token)
