"""Sign-in attempt counters: a fixed window per key that opens at the first attempt.

An attempt takes its slot *before* the password is checked, atomically, so however many
attempts arrive at once no more passwords are checked than the limit allows. A
successful sign-in gives its slots back. In memory for one process; in Redis when
several processes must share the counters.
"""

import math
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from redis.asyncio import Redis
from redis.commands.core import AsyncScript
from redis.exceptions import RedisError

from application.shared.ports import Clock
from domain.shared.errors import ServiceUnavailable


@dataclass(frozen=True, slots=True)
class ThrottleLimits:
    per_account: int = 5
    per_client: int = 50
    window_seconds: int = 300


def _account_key(account: str) -> str:
    return f"login:email:{account}"


def _client_key(client: str) -> str:
    return f"login:client:{client}"


class MemoryLoginThrottle:
    # Past this many keys, expired windows are swept, so a spray of made-up emails
    # cannot grow the table without bound.
    SWEEP_AT = 10_000

    def __init__(self, limits: ThrottleLimits, clock: Clock) -> None:
        self._limits, self._clock = limits, clock
        self._windows: dict[str, tuple[int, datetime]] = {}

    async def acquire(self, account: str, client: str) -> int:
        # No await from the check to the count: atomic on the event loop.
        now = self._clock.now()
        keys = [
            (_account_key(account), self._limits.per_account),
            (_client_key(client), self._limits.per_client),
        ]
        live = {key: self._live_window(key, now) for key, _ in keys}
        waits = [
            (live[key][1] - now).total_seconds() for key, limit in keys if live[key][0] >= limit
        ]
        if waits:
            return math.ceil(max(waits))
        if len(self._windows) >= self.SWEEP_AT:
            self._windows = {k: w for k, w in self._windows.items() if w[1] > now}
        for key, _ in keys:
            count, ends = live[key]
            self._windows[key] = (count + 1, ends)
        return 0

    async def succeeded(self, account: str, client: str) -> None:
        self._windows.pop(_account_key(account), None)
        count, ends = self._windows.get(_client_key(client), (0, self._clock.now()))
        if count > 0:
            self._windows[_client_key(client)] = (count - 1, ends)

    def _live_window(self, key: str, now: datetime) -> tuple[int, datetime]:
        count, ends = self._windows.get(key, (0, now))
        if ends <= now:
            return 0, now + timedelta(seconds=self._limits.window_seconds)
        return count, ends


# KEYS: account, client. ARGV: account limit, client limit, window seconds.
# Either key at its limit: answers the longest wait and counts nothing. Else counts one
# attempt on both keys (a window opens at its first attempt) and answers 0.
_ACQUIRE = """
local wait = 0
for i = 1, 2 do
  if tonumber(redis.call('GET', KEYS[i]) or '0') >= tonumber(ARGV[i]) then
    local ttl = redis.call('TTL', KEYS[i])
    if ttl < 0 then
      redis.call('EXPIRE', KEYS[i], ARGV[3])
      ttl = tonumber(ARGV[3])
    end
    if ttl > wait then wait = ttl end
  end
end
if wait > 0 then return wait end
for i = 1, 2 do
  if redis.call('INCR', KEYS[i]) == 1 then redis.call('EXPIRE', KEYS[i], ARGV[3]) end
end
return 0
"""

# KEYS: account, client. Forgets the account's attempts, gives the client its slot back.
_SUCCEEDED = """
redis.call('DEL', KEYS[1])
if tonumber(redis.call('GET', KEYS[2]) or '0') > 0 then redis.call('DECR', KEYS[2]) end
return 0
"""


class RedisLoginThrottle:
    """Each call is one Lua script: atomic across every worker sharing the Redis. When
    Redis does not answer, sign-in is unavailable (503) rather than unthrottled."""

    def __init__(self, limits: ThrottleLimits, redis: Redis, prefix: str = "emporium:") -> None:
        self._limits, self._prefix = limits, prefix
        self._acquire = redis.register_script(_ACQUIRE)
        self._succeeded = redis.register_script(_SUCCEEDED)

    async def acquire(self, account: str, client: str) -> int:
        limits = self._limits
        args = [limits.per_account, limits.per_client, limits.window_seconds]
        return int(await self._run(self._acquire, account, client, args))

    async def succeeded(self, account: str, client: str) -> None:
        await self._run(self._succeeded, account, client, [])

    async def _run(self, script: AsyncScript, account: str, client: str, args: list[int]) -> Any:
        keys = [self._prefix + _account_key(account), self._prefix + _client_key(client)]
        try:
            return await script(keys=keys, args=args)
        except (RedisError, OSError) as error:
            raise ServiceUnavailable("The login throttle (Redis) does not answer") from error
