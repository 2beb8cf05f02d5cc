"""However many sign-ins arrive at once, no more passwords are checked than the limit
allows; however many requests, no more pass than their quota: on every backend."""

import asyncio
import uuid
from collections.abc import AsyncIterator

import pytest
from redis.asyncio import Redis

from adapters.throttle import ThrottleLimits
from adapters.throttle.memory import MemoryLoginThrottle, MemoryRateLimiter
from adapters.throttle.redis import RedisLoginThrottle, RedisRateLimiter
from application.shared.ports import Quota
from application.users.commands import ChangePassword, SignIn
from application.users.errors import InvalidCredentials
from application.users.ports import LoginThrottle
from domain.shared.errors import RateLimited
from tests.factories import UserFactory
from tests.fakes import FakeClock, FakeHasher
from tests.unit.conftest import Accounts

LIMITS = ThrottleLimits(per_account_and_client=5, per_account=20, per_client=50, window_seconds=300)
ATTEMPTS = 100


class CountingHasher(FakeHasher):
    """Slow enough that every attempt is in flight before the first check ends."""

    def __init__(self) -> None:
        self.verified = 0

    async def verify(self, password: str, password_hash: str | None) -> tuple[bool, str | None]:
        self.verified += 1
        await asyncio.sleep(0.05)
        return await super().verify(password, password_hash)


@pytest.fixture(params=["memory", pytest.param("redis", marks=pytest.mark.redis)])
async def throttle(request: pytest.FixtureRequest) -> AsyncIterator[LoginThrottle]:
    if request.param == "memory":
        yield MemoryLoginThrottle(LIMITS, FakeClock())
        return
    redis = Redis.from_url(request.getfixturevalue("redis_url"))
    prefix = f"emporium-test-{uuid.uuid4().hex}:"
    try:
        yield RedisLoginThrottle(LIMITS, redis, prefix)
    finally:
        keys = [key async for key in redis.scan_iter(match=f"{prefix}*")]
        if keys:
            await redis.delete(*keys)
        await redis.aclose()


async def _outcomes(attempts: list) -> dict[str, int]:  # type: ignore[type-arg]
    results = await asyncio.gather(*attempts, return_exceptions=True)
    return {
        "refused": sum(isinstance(r, InvalidCredentials) for r in results),
        "limited": sum(isinstance(r, RateLimited) for r in results),
    }


@pytest.mark.parametrize(
    ("spread", "limit"),
    [(False, LIMITS.per_account_and_client), (True, LIMITS.per_account)],
    ids=["one address", "many addresses"],
)
async def test_concurrent_wrong_sign_ins_check_no_more_passwords_than_the_limit(
    throttle: LoginThrottle, spread: bool, limit: int
) -> None:
    hasher = CountingHasher()
    accounts = Accounts(throttle=throttle, hasher=hasher)
    user = UserFactory()
    await accounts.add(user)

    outcomes = await _outcomes(
        [
            accounts.sign_in(
                SignIn(user.email.value, "wrong password", f"10.0.0.{n if spread else 1}")
            )
            for n in range(ATTEMPTS)
        ]
    )
    assert hasher.verified == limit
    assert outcomes == {"refused": limit, "limited": ATTEMPTS - limit}


async def test_concurrent_wrong_current_passwords_check_no_more_than_the_limit(
    throttle: LoginThrottle,
) -> None:
    hasher = CountingHasher()
    accounts = Accounts(throttle=throttle, hasher=hasher)
    user = UserFactory()
    await accounts.add(user)

    outcomes = await _outcomes(
        [
            accounts.change_password(
                ChangePassword(user.id, "a wrong guess", "new password 1", "10.0.0.1")
            )
            for _ in range(ATTEMPTS)
        ]
    )
    assert hasher.verified == LIMITS.per_account_and_client
    assert outcomes == {"refused": 5, "limited": ATTEMPTS - 5}


@pytest.mark.redis
async def test_concurrent_requests_take_no_more_than_their_quota(redis_url: str) -> None:
    quota = Quota("orders", limit=10, window=60)
    redis = Redis.from_url(redis_url)
    prefix = f"emporium-test-{uuid.uuid4().hex}:"
    limiters = [MemoryRateLimiter(FakeClock()), RedisRateLimiter(redis, prefix)]
    try:
        for limiter in limiters:
            waits = await asyncio.gather(*(limiter.hit(quota, "user-1") for _ in range(50)))
            assert waits.count(0) == 10 and all(0 < w <= 60 for w in waits if w)
            assert await limiter.hit(quota, "user-2") == 0  # a quota is per key
    finally:
        if keys := [key async for key in redis.scan_iter(match=f"{prefix}*")]:
            await redis.delete(*keys)
        await redis.aclose()
