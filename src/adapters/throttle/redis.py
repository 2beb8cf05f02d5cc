"""The counters in Redis: shared by every process that uses the same Redis."""

from typing import Any

from redis.asyncio import Redis
from redis.commands.core import AsyncScript
from redis.exceptions import RedisError

from adapters.throttle import ThrottleLimits, account_key, login_keys, pair_prefix, rate_key
from application.shared.ports import Quota
from domain.shared.errors import ServiceUnavailable

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
        pattern = _glob_escaped(self._prefix + pair_prefix(account)) + "*"
        try:
            pairs = [key async for key in self._redis.scan_iter(match=pattern, count=1000)]
            await self._redis.delete(self._prefix + account_key(account), *pairs)
        except (RedisError, OSError) as error:
            raise ServiceUnavailable("The login throttle (Redis) does not answer") from error

    async def _run(self, script: AsyncScript, account: str, client: str, args: list[int]) -> Any:
        keys = [self._prefix + key for key in login_keys(account, client)]
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
                keys=[self._prefix + rate_key(quota, key)], args=[quota.limit, quota.window]
            )
        except (RedisError, OSError) as error:
            raise ServiceUnavailable("The rate limiter (Redis) does not answer") from error
        return int(wait)


def _glob_escaped(text: str) -> str:
    """``text`` matched literally by a Redis glob pattern."""
    return "".join(f"\\{c}" if c in "*?[]\\" else c for c in text)
