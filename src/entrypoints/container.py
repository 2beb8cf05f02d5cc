"""The composition root: the one place that knows which adapter serves which port."""

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import timedelta
from typing import TypeVar

from dependency_injector import containers, providers
from redis.asyncio import Redis

from adapters.events import LoggingEventPublisher
from adapters.security.passwords import Argon2PasswordHasher
from adapters.security.tokens import JwtTokenService
from adapters.sqlalchemy.engine import create_engine
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
from entrypoints.api.pagination import CursorCodec
from entrypoints.settings import Settings

T = TypeVar("T")


REDIS_TIMEOUT_SECONDS = 2


def redis_client(settings: Settings) -> Redis | None:
    """The Redis client when one is configured; its calls give up after two seconds. It
    connects on first use, and again after Redis comes back."""
    if settings.redis_url is None:
        return None
    return Redis.from_url(
        settings.redis_url,
        socket_connect_timeout=REDIS_TIMEOUT_SECONDS,
        socket_timeout=REDIS_TIMEOUT_SECONDS,
    )


def login_throttle(settings: Settings, clock: Clock, redis: Redis | None) -> LoginThrottle:
    """In memory for one process; in Redis, shared by every worker, when configured."""
    limits = ThrottleLimits(
        per_account=settings.login_max_failures_per_email,
        per_client=settings.login_max_failures_per_client,
        window_seconds=settings.login_failure_window,
    )
    if redis is None:
        return MemoryLoginThrottle(limits, clock)
    return RedisLoginThrottle(limits, redis, settings.redis_prefix)


class Container(containers.DeclarativeContainer):
    settings = providers.Singleton(Settings)

    clock = providers.Singleton(SystemClock)
    ids = providers.Singleton(Uuid7Generator)
    # Built on first use (nothing connects until a unit of work asks); closed by running().
    engine = providers.Singleton(
        create_engine,
        settings.provided.database_url,
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
    redis = providers.Singleton(redis_client, settings=settings)
    cursors = providers.Singleton(CursorCodec, signing_key=settings.provided.signing_key)
    throttle = providers.Singleton(login_throttle, settings=settings, clock=clock, redis=redis)
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
    refresh_session = providers.Factory(
        RefreshSession,
        uow=uow,
        sessions=sessions,
        clock=clock,
        reuse_grace=providers.Factory(timedelta, seconds=settings.provided.refresh_reuse_grace),
    )
    logout = providers.Factory(Logout, uow=uow, clock=clock)
    authorize_access = providers.Factory(AuthorizeAccess, read_uow=read_uow, tokens=tokens)
    update_profile = providers.Factory(UpdateOwnProfile, uow=uow)
    change_password = providers.Factory(
        ChangeOwnPassword,
        uow=uow,
        read_uow=read_uow,
        hasher=hasher,
        throttle=throttle,
        clock=clock,
    )
    list_users = providers.Factory(ListUsers, read_uow=read_uow)
    get_user = providers.Factory(GetUser, read_uow=read_uow)
    find_user_by_email = providers.Factory(FindUserByEmail, read_uow=read_uow)
    update_user = providers.Factory(UpdateUserAsAdmin, uow=uow, clock=clock)
    create_admin = providers.Factory(CreateAdmin, register=register_user, read_uow=read_uow)


@asynccontextmanager
async def running(container: Container) -> AsyncIterator[Container]:
    """The container, with its connections (database pool, Redis) closed after."""
    try:
        yield container
    finally:
        await container.engine().dispose()
        redis = container.redis()
        if redis is not None:
            await redis.aclose()
        container.reset_singletons()
