"""What every context shares: settings, time, ids, the database, Redis, the outbox's
writer. Each context builds its units of work on the core's pools, with its own
repositories."""

from dependency_injector import containers, providers
from redis.asyncio import Redis

from adapters.sqlalchemy.engine import create_engine
from adapters.system import SystemClock, Uuid7Generator
from adapters.throttle import MemoryRateLimiter, RedisRateLimiter
from application.shared.outbox import OutboxWriter
from application.shared.ports import Clock, RateLimiter
from entrypoints.cursors import CursorCodec
from entrypoints.events import PublicEvents
from entrypoints.metrics import MeteredTurns
from entrypoints.settings import Settings

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


def rate_limiter(settings: Settings, clock: Clock, redis: Redis | None) -> RateLimiter:
    """In memory for one process; in Redis, shared by every worker, when configured."""
    if redis is None:
        return MemoryRateLimiter(clock)
    return RedisRateLimiter(redis, settings.redis_prefix)


class Core(containers.DeclarativeContainer):
    settings = providers.Singleton(Settings)
    clock = providers.Singleton(SystemClock)
    ids = providers.Singleton(Uuid7Generator)
    # Built on first use (nothing connects until a unit of work asks); closed by running().
    engine = providers.Singleton(
        create_engine,
        settings.provided.database_url,
        pool_size=settings.provided.database_pool_size,
        max_overflow=0,
    )
    read_engine = providers.Singleton(
        create_engine,
        settings.provided.database_url,
        read_only=True,
        pool_size=settings.provided.database_pool_size,
        max_overflow=0,
    )
    redis = providers.Singleton(redis_client, settings=settings)
    limiter = providers.Singleton(rate_limiter, settings=settings, clock=clock, redis=redis)
    events = providers.Singleton(
        OutboxWriter,
        describe=providers.Singleton(PublicEvents, settings.provided.low_stock_threshold),
        ids=ids,
        clock=clock,
    )
    # Each pool's connections, first come first served (see SqlReader), counted.
    turns = providers.Singleton(MeteredTurns, settings.provided.database_pool_size, "write")
    read_turns = providers.Singleton(MeteredTurns, settings.provided.database_pool_size, "read")
    cursors = providers.Singleton(CursorCodec, signing_key=settings.provided.signing_key)
