"""Failed-login counters: a fixed window per key that opens at the first failure.

In memory for one process; in Redis when several processes must share them.
"""

import math
from dataclasses import dataclass
from datetime import datetime, timedelta

from redis.asyncio import Redis

from application.ports import Clock


@dataclass(frozen=True, slots=True)
class ThrottleLimits:
    per_email: int = 5
    per_client: int = 50
    window_seconds: int = 300


def _email_key(email: str) -> str:
    return f"login:email:{email}"


def _keys(limits: ThrottleLimits, email: str, client: str) -> list[tuple[str, int]]:
    return [(_email_key(email), limits.per_email), (f"login:client:{client}", limits.per_client)]


class MemoryLoginThrottle:
    # Past this many keys, expired windows are swept, so a spray of made-up emails
    # cannot grow the table without bound.
    SWEEP_AT = 10_000

    def __init__(self, limits: ThrottleLimits, clock: Clock) -> None:
        self._limits, self._clock = limits, clock
        self._windows: dict[str, tuple[int, datetime]] = {}

    async def retry_after(self, email: str, client: str) -> int:
        now = self._clock.now()
        waits = [0.0]
        for key, limit in _keys(self._limits, email, client):
            count, ends = self._windows.get(key, (0, now))
            if count >= limit and ends > now:
                waits.append((ends - now).total_seconds())
        return math.ceil(max(waits))

    async def record_failure(self, email: str, client: str) -> None:
        now = self._clock.now()
        if len(self._windows) >= self.SWEEP_AT:
            self._windows = {k: w for k, w in self._windows.items() if w[1] > now}
        for key, _ in _keys(self._limits, email, client):
            count, ends = self._windows.get(key, (0, now))
            if ends <= now:
                count, ends = 0, now + timedelta(seconds=self._limits.window_seconds)
            self._windows[key] = (count + 1, ends)

    async def clear(self, email: str) -> None:
        self._windows.pop(_email_key(email), None)


class RedisLoginThrottle:
    def __init__(self, limits: ThrottleLimits, redis: Redis, prefix: str = "emporium:") -> None:
        self._limits, self._redis, self._prefix = limits, redis, prefix

    async def retry_after(self, email: str, client: str) -> int:
        keys = _keys(self._limits, email, client)
        async with self._redis.pipeline(transaction=False) as pipe:
            for key, _ in keys:
                pipe.get(self._prefix + key)
                pipe.ttl(self._prefix + key)
            replies = await pipe.execute()
        waits = [
            ttl
            for (_, limit), count, ttl in zip(keys, replies[::2], replies[1::2], strict=True)
            if count is not None and int(count) >= limit and ttl > 0
        ]
        return max(waits, default=0)

    async def record_failure(self, email: str, client: str) -> None:
        async with self._redis.pipeline(transaction=True) as pipe:
            for key, _ in _keys(self._limits, email, client):
                pipe.incr(self._prefix + key)
                # NX: the window opens at the first failure and is not pushed back.
                pipe.expire(self._prefix + key, self._limits.window_seconds, nx=True)
            await pipe.execute()

    async def clear(self, email: str) -> None:
        await self._redis.delete(self._prefix + _email_key(email))
