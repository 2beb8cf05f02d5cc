"""The composition root: the one place that knows which adapter serves which port."""

import inspect
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any, TypeVar

from dependency_injector import containers, providers
from redis.asyncio import Redis

from adapters.events import LoggingEventPublisher
from adapters.security.passwords import Argon2PasswordHasher
from adapters.security.tokens import JwtTokenService
from adapters.sqlalchemy.engine import engine_resource
from adapters.sqlalchemy.unit_of_work import SqlUnitOfWork
from adapters.system import SystemClock, Uuid7Generator
from adapters.throttle import MemoryLoginThrottle, RedisLoginThrottle, ThrottleLimits
from application.ports import Clock, LoginThrottle
from application.users.accounts import ChangeOwnPassword, RegisterUser, UpdateOwnProfile
from application.users.admin import (
    CreateAdmin,
    FindUserByEmail,
    GetUser,
    ListUsers,
    UpdateUserAsAdmin,
)
from application.users.sessions import (
    Authenticate,
    AuthorizeAccess,
    Logout,
    RefreshSession,
    SessionIssuer,
)
from entrypoints.settings import Settings

T = TypeVar("T")


async def login_throttle(settings: Settings, clock: Clock) -> AsyncIterator[LoginThrottle]:
    """In memory for one process; in Redis, shared by every worker, when configured."""
    limits = ThrottleLimits(
        per_email=settings.login_max_failures_per_email,
        per_client=settings.login_max_failures_per_client,
        window_seconds=settings.login_failure_window,
    )
    if settings.redis_url is None:
        yield MemoryLoginThrottle(limits, clock)
        return
    redis = Redis.from_url(settings.redis_url)
    try:
        yield RedisLoginThrottle(limits, redis, settings.redis_prefix)
    finally:
        await redis.aclose()


class Container(containers.DeclarativeContainer):
    settings = providers.Singleton(Settings)

    clock = providers.Singleton(SystemClock)
    ids = providers.Singleton(Uuid7Generator)
    engine = providers.Resource(
        engine_resource,
        url=settings.provided.database_url,
        pool_size=settings.provided.database_pool_size,
    )
    events = providers.Singleton(LoggingEventPublisher)
    uow = providers.Factory(SqlUnitOfWork, engine=engine, publisher=events)
    read_uow = providers.Factory(SqlUnitOfWork, engine=engine, publisher=events, read_only=True)
    hasher = providers.Singleton(Argon2PasswordHasher)
    tokens = providers.Singleton(
        JwtTokenService,
        secret_key=settings.provided.signing_key,
        issuer=settings.provided.jwt_issuer,
        audience=settings.provided.jwt_audience,
        access_ttl_seconds=settings.provided.access_token_ttl,
        refresh_ttl_seconds=settings.provided.refresh_token_ttl,
        clock=clock,
    )
    throttle = providers.Resource(login_throttle, settings=settings, clock=clock)
    sessions = providers.Factory(SessionIssuer, tokens=tokens, ids=ids, clock=clock)

    register_user = providers.Factory(RegisterUser, uow=uow, hasher=hasher, ids=ids, clock=clock)
    authenticate = providers.Factory(
        Authenticate,
        uow=uow,
        read_uow=read_uow,
        hasher=hasher,
        throttle=throttle,
        sessions=sessions,
    )
    refresh_session = providers.Factory(RefreshSession, uow=uow, sessions=sessions, clock=clock)
    logout = providers.Factory(Logout, uow=uow, clock=clock)
    authorize_access = providers.Factory(AuthorizeAccess, read_uow=read_uow, tokens=tokens)
    update_profile = providers.Factory(UpdateOwnProfile, uow=uow)
    change_password = providers.Factory(
        ChangeOwnPassword, uow=uow, read_uow=read_uow, hasher=hasher, clock=clock
    )
    list_users = providers.Factory(ListUsers, read_uow=read_uow)
    get_user = providers.Factory(GetUser, read_uow=read_uow)
    find_user_by_email = providers.Factory(FindUserByEmail, read_uow=read_uow)
    update_user = providers.Factory(UpdateUserAsAdmin, uow=uow, clock=clock)
    create_admin = providers.Factory(CreateAdmin, register=register_user, read_uow=read_uow)


async def resolve(provider: providers.Provider[T]) -> T:
    """The object a provider gives. Providers that depend on an async resource (the
    engine) give an awaitable of it, which the ``@inject`` wiring awaits on its own."""
    provided: Any = provider()
    return await provided if inspect.isawaitable(provided) else provided  # type: ignore[no-any-return]


@asynccontextmanager
async def running(container: Container) -> AsyncIterator[Container]:
    """The container with its resources (engine, login throttle) up, and down after."""
    await _settle(container.init_resources())
    try:
        yield container
    finally:
        await _settle(container.shutdown_resources())


async def _settle(result: object) -> None:
    if inspect.isawaitable(result):
        await result
