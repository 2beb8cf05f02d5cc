import uuid
from collections.abc import AsyncIterator

import pytest
from redis.asyncio import Redis

from adapters.throttle import RedisLoginThrottle, ThrottleLimits

pytestmark = pytest.mark.redis


@pytest.fixture
async def redis(redis_url: str) -> AsyncIterator[Redis]:
    client = Redis.from_url(redis_url)
    yield client
    await client.aclose()


@pytest.fixture
async def throttle(redis: Redis) -> AsyncIterator[RedisLoginThrottle]:
    prefix = f"emporium-test-{uuid.uuid4().hex}:"
    yield RedisLoginThrottle(
        ThrottleLimits(per_email=3, per_client=5, window_seconds=300), redis, prefix
    )
    keys = [key async for key in redis.scan_iter(match=f"{prefix}*")]
    if keys:
        await redis.delete(*keys)


async def test_an_email_is_blocked_after_its_limit(throttle: RedisLoginThrottle) -> None:
    for _ in range(3):
        assert await throttle.retry_after("a@x.io", "c1") == 0
        await throttle.record_failure("a@x.io", "c1")
    assert 295 <= await throttle.retry_after("a@x.io", "c2") <= 300


async def test_a_client_is_blocked_after_failing_on_many_emails(
    throttle: RedisLoginThrottle,
) -> None:
    for n in range(5):
        await throttle.record_failure(f"user{n}@x.io", "c1")
    assert await throttle.retry_after("fresh@x.io", "c1") > 0
    assert await throttle.retry_after("fresh@x.io", "c2") == 0


async def test_the_window_is_not_pushed_back_by_later_failures(
    throttle: RedisLoginThrottle, redis: Redis
) -> None:
    await throttle.record_failure("a@x.io", "c1")
    key = next(iter([k async for k in redis.scan_iter(match="*login:email:a@x.io")]))
    await redis.expire(key, 10)
    await throttle.record_failure("a@x.io", "c1")
    assert await redis.ttl(key) <= 10


async def test_clearing_forgets_the_email(throttle: RedisLoginThrottle) -> None:
    for _ in range(3):
        await throttle.record_failure("a@x.io", "c1")
    await throttle.clear("a@x.io")
    assert await throttle.retry_after("a@x.io", "c2") == 0
