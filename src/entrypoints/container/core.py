"""What every context shares: settings, time, ids, the database, Redis, the outbox's
writer. Each context builds its units of work on the core's pools, with its own
repositories.

A client that holds connections is built on first use and pushes its own closing onto
``closing``, which ``running()`` closes: what a process never used is neither built nor
closed. An adapter a setting may leave unused (Redis, the broker, SMTP) is imported
where it is chosen, so a process that does not use it does not pay for its import (an
admin command starts faster)."""

from contextlib import AsyncExitStack
from typing import TYPE_CHECKING

from dependency_injector import containers, providers
from sqlalchemy.ext.asyncio import AsyncEngine

from adapters.sqlalchemy.connections import Connections
from adapters.sqlalchemy.engine import create_engine
from adapters.system import SystemClock, Uuid7Generator
from adapters.throttle.memory import MemoryRateLimiter
from application.shared.outbox import OutboxWriter
from application.shared.ports import Clock, RateLimiter
from entrypoints.cursors import CursorCodec
from entrypoints.events import PublicEvents
from entrypoints.metrics import MeteredTurns
from entrypoints.settings import Settings

if TYPE_CHECKING:
    from redis.asyncio import Redis

REDIS_TIMEOUT_SECONDS = 2


def database_engine(settings: Settings, *, read_only: bool = False) -> AsyncEngine:
    return create_engine(
        settings.database_url,
        read_only=read_only,
        pool_size=settings.database_pool_size,
        max_overflow=0,
    )


def database_connections(
    engine: AsyncEngine, turns: MeteredTurns, closing: AsyncExitStack
) -> Connections:
    built = Connections(engine, turns)
    closing.push_async_callback(built.dispose)
    return built


def redis_client(settings: Settings, closing: AsyncExitStack) -> "Redis | None":
    """The Redis client when one is configured; its calls give up after two seconds. It
    connects on first use, and again after Redis comes back."""
    if settings.redis_url is None:
        return None
    from redis.asyncio import Redis

    client = Redis.from_url(
        settings.redis_url,
        socket_connect_timeout=REDIS_TIMEOUT_SECONDS,
        socket_timeout=REDIS_TIMEOUT_SECONDS,
    )
    closing.push_async_callback(client.aclose)
    return client


def rate_limiter(settings: Settings, clock: Clock, redis: "Redis | None") -> RateLimiter:
    """In memory for one process; in Redis, shared by every worker, when configured."""
    if redis is None:
        return MemoryRateLimiter(clock)
    from adapters.throttle.redis import RedisRateLimiter

    return RedisRateLimiter(redis, settings.redis_prefix)


class Core(containers.DeclarativeContainer):
    settings = providers.Singleton(Settings)
    clock = providers.Singleton(SystemClock)
    ids = providers.Singleton(Uuid7Generator)
    closing: providers.Singleton[AsyncExitStack[bool | None]] = providers.Singleton(AsyncExitStack)
    # Nothing connects until a unit of work asks.
    engine = providers.Singleton(database_engine, settings)
    read_engine = providers.Singleton(database_engine, settings, read_only=True)
    redis = providers.Singleton(redis_client, settings, closing)
    limiter = providers.Singleton(rate_limiter, settings=settings, clock=clock, redis=redis)
    events = providers.Singleton(
        OutboxWriter,
        describe=providers.Singleton(PublicEvents, settings.provided.low_stock_threshold),
        ids=ids,
        clock=clock,
    )
    # Each pool's connections, lent first come first served (see Connections), counted.
    connections = providers.Singleton(
        database_connections,
        engine,
        providers.Singleton(MeteredTurns, settings.provided.database_pool_size, "write"),
        closing,
    )
    read_connections = providers.Singleton(
        database_connections,
        read_engine,
        providers.Singleton(MeteredTurns, settings.provided.database_pool_size, "read"),
        closing,
    )
    cursors = providers.Singleton(CursorCodec, signing_key=settings.provided.signing_key)
