"""The accounts context: hashing, tokens, the sign-in throttle, and its use cases."""

from datetime import timedelta

from dependency_injector import containers, providers
from redis.asyncio import Redis

from adapters.security.passwords import Argon2PasswordHasher
from adapters.security.tokens import JwtTokenService
from adapters.sqlalchemy.unit_of_work import SqlReader, SqlUnitOfWork
from adapters.sqlalchemy.users import REPOSITORIES
from adapters.throttle import MemoryLoginThrottle, RedisLoginThrottle, ThrottleLimits
from application.shared.ports import Clock
from application.users.accounts import ChangeOwnPassword, RegisterUser, UpdateOwnProfile
from application.users.admin import (
    CreateAdminAccount,
    FindAccountByEmail,
    GetAccount,
    ListAccounts,
    UnlockAccount,
    UpdateAccount,
)
from application.users.ports import LoginThrottle
from application.users.sessions import (
    Authenticate,
    AuthorizeAccess,
    EndSession,
    RefreshSession,
    SessionIssuer,
)
from entrypoints.settings import Settings


def login_throttle(settings: Settings, clock: Clock, redis: Redis | None) -> LoginThrottle:
    """In memory for one process; in Redis, shared by every worker, when configured."""
    limits = ThrottleLimits(
        per_account_and_client=settings.login_max_failures_per_email_and_client,
        per_account=settings.login_max_failures_per_email,
        per_client=settings.login_max_failures_per_client,
        window_seconds=settings.login_failure_window,
    )
    if redis is None:
        return MemoryLoginThrottle(limits, clock)
    return RedisLoginThrottle(limits, redis, settings.redis_prefix)


class Users(containers.DeclarativeContainer):
    core = providers.DependenciesContainer()
    settings = core.settings
    uow = providers.Factory(SqlUnitOfWork, core.engine, REPOSITORIES, core.events, core.turns)
    read_uow = providers.Factory(SqlReader, core.read_engine, REPOSITORIES, core.read_turns)

    hasher = providers.Singleton(Argon2PasswordHasher)
    tokens = providers.Singleton(
        JwtTokenService,
        secret_key=settings.provided.signing_key,
        issuer=settings.provided.jwt_issuer,
        audience=settings.provided.jwt_audience,
        access_ttl_seconds=settings.provided.access_token_ttl,
        refresh_ttl_seconds=settings.provided.refresh_token_ttl,
        clock=core.clock,
    )
    throttle = providers.Singleton(
        login_throttle, settings=settings, clock=core.clock, redis=core.redis
    )
    sessions = providers.Singleton(SessionIssuer, tokens=tokens, ids=core.ids, clock=core.clock)

    register = providers.Singleton(
        RegisterUser, uow=uow.provider, hasher=hasher, ids=core.ids, clock=core.clock
    )
    authenticate = providers.Singleton(
        Authenticate,
        uow=uow.provider,
        read_uow=read_uow.provider,
        hasher=hasher,
        throttle=throttle,
        sessions=sessions,
    )
    refresh_session = providers.Singleton(
        RefreshSession,
        uow=uow.provider,
        sessions=sessions,
        clock=core.clock,
        reuse_grace=providers.Factory(timedelta, seconds=settings.provided.refresh_reuse_grace),
    )
    end_session = providers.Singleton(EndSession, uow=uow.provider, clock=core.clock)
    authorize = providers.Singleton(AuthorizeAccess, read_uow=read_uow.provider, tokens=tokens)
    update_profile = providers.Singleton(UpdateOwnProfile, uow=uow.provider)
    change_password = providers.Singleton(
        ChangeOwnPassword,
        uow=uow.provider,
        read_uow=read_uow.provider,
        hasher=hasher,
        throttle=throttle,
        clock=core.clock,
    )
    list_accounts = providers.Singleton(ListAccounts, read_uow=read_uow.provider)
    get_account = providers.Singleton(GetAccount, read_uow=read_uow.provider)
    find_by_email = providers.Singleton(FindAccountByEmail, read_uow=read_uow.provider)
    update_account = providers.Singleton(UpdateAccount, uow=uow.provider, clock=core.clock)
    create_admin = providers.Singleton(
        CreateAdminAccount, register=register, read_uow=read_uow.provider
    )
    unlock_account = providers.Singleton(
        UnlockAccount, read_uow=read_uow.provider, throttle=throttle
    )
