"""The counters in memory: for one process."""

import math
from collections.abc import Sequence
from datetime import datetime, timedelta

from adapters.throttle import ThrottleLimits, account_key, login_keys, pair_prefix, rate_key
from application.shared.ports import Clock, Quota


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
        keys = list(zip(login_keys(account, client), self._limits.per_key(), strict=True))
        return self._windows.take(keys, self._limits.window_seconds, self._clock.now())

    async def succeeded(self, account: str, client: str) -> None:
        pair, *shared = login_keys(account, client)
        self._windows.counts.pop(pair, None)
        for key in shared:
            self._windows.give_back(key)

    async def unlock(self, account: str) -> None:
        pairs = pair_prefix(account)
        self._windows.counts = {
            key: window
            for key, window in self._windows.counts.items()
            if not key.startswith(pairs) and key != account_key(account)
        }


class MemoryRateLimiter:
    def __init__(self, clock: Clock) -> None:
        self._clock = clock
        self._windows = _Windows()

    async def hit(self, quota: Quota, key: str) -> int:
        return self._windows.take(
            [(rate_key(quota, key), quota.limit)], quota.window, self._clock.now()
        )
