"""The accounts context: hashing, tokens, the sign-in throttle, and its use cases."""

from datetime import timedelta
from typing import TYPE_CHECKING

from dependency_injector import containers, providers

from adapters.security.passwords import Argon2PasswordHasher
from adapters.security.tokens import JwtTokenService
from adapters.sqlalchemy.unit_of_work import SqlReader, SqlUnitOfWork
from adapters.sqlalchemy.users import REPOSITORIES
from adapters.throttle import ThrottleLimits
from adapters.throttle.memory import MemoryLoginThrottle
from application.shared.ports import Clock
from application.users.accounts import (
    ChangePasswordHandler,
    RegisterHandler,
    UpdateProfileHandler,
)
from application.users.admin import (
    CreateAdminHandler,
    FindUserByEmailHandler,
    GetUserHandler,
    GetUsersHandler,
    ListUsersHandler,
    UnlockUserHandler,
    UpdateUserHandler,
)
from application.users.ports import LoginThrottle
from application.users.sessions import (
    AuthorizeHandler,
    RefreshHandler,
    SignInHandler,
    SignOutHandler,
)
from application.users.shared import Accounts
from entrypoints.settings import Settings

if TYPE_CHECKING:
    from redis.asyncio import Redis


def login_throttle(settings: Settings, clock: Clock, redis: "Redis | None") -> LoginThrottle:
    """In memory for one process; in Redis, shared by every worker, when configured."""
    limits = ThrottleLimits(
        per_account_and_client=settings.login_max_failures_per_email_and_client,
        per_account=settings.login_max_failures_per_email,
        per_client=settings.login_max_failures_per_client,
        window_seconds=settings.login_failure_window,
    )
    if redis is None:
        return MemoryLoginThrottle(limits, clock)
    from adapters.throttle.redis import RedisLoginThrottle

    return RedisLoginThrottle(limits, redis, settings.redis_prefix)


class UsersContainer(containers.DeclarativeContainer):
    core = providers.DependenciesContainer()
    settings = core.settings
    uow = providers.Factory(SqlUnitOfWork, core.connections, REPOSITORIES, core.events)
    read_uow = providers.Factory(SqlReader, core.read_connections, REPOSITORIES)

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
    ports = providers.Singleton(
        Accounts,
        uow=uow.provider,
        read_uow=read_uow.provider,
        ids=core.ids,
        clock=core.clock,
        hasher=hasher,
        tokens=tokens,
        throttle=throttle,
        reuse_grace=providers.Factory(timedelta, seconds=settings.provided.refresh_reuse_grace),
    )
    register = providers.Singleton(RegisterHandler, ports)
    update_profile = providers.Singleton(UpdateProfileHandler, ports)
    change_password = providers.Singleton(ChangePasswordHandler, ports)
    sign_in = providers.Singleton(SignInHandler, ports)
    refresh = providers.Singleton(RefreshHandler, ports)
    sign_out = providers.Singleton(SignOutHandler, ports)
    authorize = providers.Singleton(AuthorizeHandler, ports)
    list_users = providers.Singleton(ListUsersHandler, ports)
    get_user = providers.Singleton(GetUserHandler, ports)
    get_users = providers.Singleton(GetUsersHandler, ports)
    find_user_by_email = providers.Singleton(FindUserByEmailHandler, ports)
    update_user = providers.Singleton(UpdateUserHandler, ports)
    create_admin = providers.Singleton(CreateAdminHandler, ports)
    unlock_user = providers.Singleton(UnlockUserHandler, ports)
