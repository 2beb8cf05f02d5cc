import uuid
from collections.abc import AsyncIterator

import pytest
from redis.asyncio import Redis

from adapters.throttle import ThrottleLimits
from adapters.throttle.redis import RedisLoginThrottle
from domain.shared.errors import ServiceUnavailable

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
        ThrottleLimits(per_account_and_client=3, per_account=4, per_client=5, window_seconds=300),
        redis,
        prefix,
    )
    keys = [key async for key in redis.scan_iter(match=f"{prefix}*")]
    if keys:
        await redis.delete(*keys)


async def test_an_account_from_one_address_is_blocked_not_from_others(
    throttle: RedisLoginThrottle,
) -> None:
    for _ in range(3):
        assert await throttle.acquire("a@x.io", "c1") == 0
    assert 295 <= await throttle.acquire("a@x.io", "c1") <= 300
    assert await throttle.acquire("a@x.io", "c2") == 0
    # Four in all for the account: the looser limit, whatever the address.
    assert await throttle.acquire("a@x.io", "c3") > 0


async def test_unlocking_an_account_forgets_its_attempts_from_every_address(
    throttle: RedisLoginThrottle,
) -> None:
    for client in ("c1", "c1", "c1", "c2"):
        await throttle.acquire("a*[x]@x.io", client)  # glob characters are taken literally
    await throttle.acquire("a@x.io", "c9")
    await throttle.unlock("a*[x]@x.io")
    assert await throttle.acquire("a*[x]@x.io", "c1") == 0
    assert await throttle.acquire("a*[x]@x.io", "c4") == 0
    for _ in range(2):
        await throttle.acquire("a@x.io", "c9")
    assert await throttle.acquire("a@x.io", "c9") > 0  # another account's counts stay


async def test_a_client_is_blocked_after_attempts_on_many_accounts(
    throttle: RedisLoginThrottle,
) -> None:
    for n in range(5):
        assert await throttle.acquire(f"user{n}@x.io", "c1") == 0
    assert await throttle.acquire("fresh@x.io", "c1") > 0
    assert await throttle.acquire("fresh@x.io", "c2") == 0


async def test_the_window_is_not_pushed_back_by_later_attempts(
    throttle: RedisLoginThrottle, redis: Redis
) -> None:
    await throttle.acquire("a@x.io", "c1")
    key = next(iter([k async for k in redis.scan_iter(match="*login:email:a@x.io")]))
    await redis.expire(key, 10)
    await throttle.acquire("a@x.io", "c1")
    assert await redis.ttl(key) <= 10


async def test_success_forgets_the_pair(throttle: RedisLoginThrottle) -> None:
    for _ in range(3):
        await throttle.acquire("a@x.io", "c1")
    await throttle.succeeded("a@x.io", "c1")
    assert await throttle.acquire("a@x.io", "c1") == 0


async def test_a_redis_that_does_not_answer_is_service_unavailable() -> None:
    dead = Redis.from_url("redis://127.0.0.1:1/0", socket_connect_timeout=1)
    throttle = RedisLoginThrottle(ThrottleLimits(), dead)
    try:
        with pytest.raises(ServiceUnavailable):
            await throttle.acquire("a@x.io", "c1")
    finally:
        await dead.aclose()
