"""Request counters: a fixed window per key that opens at its first count. The sign-in
throttle counts password checks; the rate limiter counts requests against a quota.

For sign-in, three keys count each attempt: the account from this client address (the tight limit,
so one address guessing one account is stopped quickly), the account from every
address (a looser limit, against guessing spread over many addresses), and the client
address (against one address trying many accounts). An attacker elsewhere therefore
locks the account's owner out only by guessing from more addresses than the loose
limit allows per window.

An attempt takes its slot on every key *before* the password is checked, atomically,
so however many attempts arrive at once no more passwords are checked than the limits
allow. A successful sign-in forgets the (account, address) attempts and gives its own
slot back. In memory for one process; in Redis when several processes share them.
"""

import math
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from redis.asyncio import Redis
from redis.commands.core import AsyncScript
from redis.exceptions import RedisError

from application.shared.ports import Clock, Quota
from domain.shared.errors import ServiceUnavailable


@dataclass(frozen=True, slots=True)
class ThrottleLimits:
    per_account_and_client: int = 5
    per_account: int = 100
    per_client: int = 50
    window_seconds: int = 300

    def per_key(self) -> tuple[int, int, int]:
        """In the order of ``_keys``."""
        return self.per_account_and_client, self.per_account, self.per_client


def _pair_prefix(account: str) -> str:
    return f"login:pair:{len(account)}:{account}:"


def _account_key(account: str) -> str:
    return f"login:email:{account}"


def _keys(account: str, client: str) -> tuple[str, str, str]:
    """(account from client, account, client). The account's length leads the pair key,
    so no account and client can be spelt to collide with another pair."""
    return _pair_prefix(account) + client, _account_key(account), f"login:client:{client}"


class _Windows:
    """Fixed windows in memory, one per key, each opened by its first count."""

    # Past this many keys, expired windows are swept, so a spray of made-up keys
    # cannot grow the table without bound.
    SWEEP_AT = 10_000

    def __init__(self) -> None:
        self.counts: dict[str, tuple[int, datetime]] = {}

    def take(self, limits: Sequence[tuple[str, int]], window_seconds: int, now: datetime) -> int:
        """One count on every key, or on none when one is at its limit: then the seconds
        until that key's window ends. No await inside: atomic on the event loop."""
        live = {key: self._live(key, now, window_seconds) for key, _ in limits}
        waits = [(live[k][1] - now).total_seconds() for k, limit in limits if live[k][0] >= limit]
        if waits:
            return max(1, math.ceil(max(waits)))
        if len(self.counts) >= self.SWEEP_AT:
            self.counts = {k: w for k, w in self.counts.items() if w[1] > now}
        for key, _ in limits:
            count, ends = live[key]
            self.counts[key] = (count + 1, ends)
        return 0

    def give_back(self, key: str) -> None:
        count, ends = self.counts.get(key, (0, datetime.min))
        if count > 0:
            self.counts[key] = (count - 1, ends)

    def _live(self, key: str, now: datetime, window_seconds: int) -> tuple[int, datetime]:
        count, ends = self.counts.get(key, (0, now))
        if ends <= now:
            return 0, now + timedelta(seconds=window_seconds)
        return count, ends


class MemoryLoginThrottle:
    def __init__(self, limits: ThrottleLimits, clock: Clock) -> None:
        self._limits, self._clock = limits, clock
        self._windows = _Windows()

    async def acquire(self, account: str, client: str) -> int:
        keys = list(zip(_keys(account, client), self._limits.per_key(), strict=True))
        return self._windows.take(keys, self._limits.window_seconds, self._clock.now())

    async def succeeded(self, account: str, client: str) -> None:
        pair, *shared = _keys(account, client)
        self._windows.counts.pop(pair, None)
        for key in shared:
            self._windows.give_back(key)

    async def unlock(self, account: str) -> None:
        pairs = _pair_prefix(account)
        self._windows.counts = {
            key: window
            for key, window in self._windows.counts.items()
            if not key.startswith(pairs) and key != _account_key(account)
        }


class MemoryRateLimiter:
    def __init__(self, clock: Clock) -> None:
        self._clock = clock
        self._windows = _Windows()

    async def hit(self, quota: Quota, key: str) -> int:
        return self._windows.take(
            [(f"rate:{quota.name}:{key}", quota.limit)], quota.window, self._clock.now()
        )


# KEYS: the keys to count. ARGV: their limits, in the same order, then the window in
# seconds. A key at its limit: answers the longest wait and counts nothing. Else counts
# one on every key (a window opens at its first count) and answers 0.
_TAKE = """
local wait = 0
local window = tonumber(ARGV[#KEYS + 1])
for i = 1, #KEYS do
  if tonumber(redis.call('GET', KEYS[i]) or '0') >= tonumber(ARGV[i]) then
    local ttl = redis.call('TTL', KEYS[i])
    if ttl < 0 then
      redis.call('EXPIRE', KEYS[i], window)
      ttl = window
    end
    if ttl > wait then wait = ttl end
  end
end
if wait > 0 then return wait end
for i = 1, #KEYS do
  if redis.call('INCR', KEYS[i]) == 1 then redis.call('EXPIRE', KEYS[i], window) end
end
return 0
"""

# KEYS: the three keys. Forgets the pair's attempts, gives the others their slot back.
_SUCCEEDED = """
redis.call('DEL', KEYS[1])
for i = 2, 3 do
  if tonumber(redis.call('GET', KEYS[i]) or '0') > 0 then redis.call('DECR', KEYS[i]) end
end
return 0
"""


class RedisLoginThrottle:
    """Each call is one Lua script: atomic across every worker sharing the Redis. When
    Redis does not answer, sign-in is unavailable (503) rather than unthrottled."""

    def __init__(self, limits: ThrottleLimits, redis: Redis, prefix: str = "emporium:") -> None:
        self._limits, self._redis, self._prefix = limits, redis, prefix
        self._acquire = redis.register_script(_TAKE)
        self._succeeded = redis.register_script(_SUCCEEDED)

    async def acquire(self, account: str, client: str) -> int:
        args = [*self._limits.per_key(), self._limits.window_seconds]
        return int(await self._run(self._acquire, account, client, args))

    async def succeeded(self, account: str, client: str) -> None:
        await self._run(self._succeeded, account, client, [])

    async def unlock(self, account: str) -> None:
        pattern = _glob_escaped(self._prefix + _pair_prefix(account)) + "*"
        try:
            pairs = [key async for key in self._redis.scan_iter(match=pattern, count=1000)]
            await self._redis.delete(self._prefix + _account_key(account), *pairs)
        except (RedisError, OSError) as error:
            raise ServiceUnavailable("The login throttle (Redis) does not answer") from error

    async def _run(self, script: AsyncScript, account: str, client: str, args: list[int]) -> Any:
        keys = [self._prefix + key for key in _keys(account, client)]
        try:
            return await script(keys=keys, args=args)
        except (RedisError, OSError) as error:
            raise ServiceUnavailable("The login throttle (Redis) does not answer") from error


class RedisRateLimiter:
    """One Lua script a request: atomic across every worker sharing the Redis. When Redis
    does not answer, the limited requests are unavailable (503) rather than unlimited."""

    def __init__(self, redis: Redis, prefix: str = "emporium:") -> None:
        self._prefix = prefix
        self._take = redis.register_script(_TAKE)

    async def hit(self, quota: Quota, key: str) -> int:
        try:
            wait = await self._take(
                keys=[f"{self._prefix}rate:{quota.name}:{key}"], args=[quota.limit, quota.window]
            )
        except (RedisError, OSError) as error:
            raise ServiceUnavailable("The rate limiter (Redis) does not answer") from error
        return int(wait)


def _glob_escaped(text: str) -> str:
    """``text`` matched literally by a Redis glob pattern."""
    return "".join(f"\\{c}" if c in "*?[]\\" else c for c in text)
