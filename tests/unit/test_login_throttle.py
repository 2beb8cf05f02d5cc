from adapters.throttle import MemoryLoginThrottle, ThrottleLimits
from tests.fakes import FakeClock

LIMITS = ThrottleLimits(per_account=3, per_client=5, window_seconds=300)


async def test_an_account_is_blocked_after_its_limit_until_the_window_ends() -> None:
    clock = FakeClock()
    throttle = MemoryLoginThrottle(LIMITS, clock)
    for _ in range(3):
        assert await throttle.acquire("a@x.io", "c1") == 0
    clock.advance(100.5)
    assert await throttle.acquire("a@x.io", "c2") == 200
    clock.advance(200)
    assert await throttle.acquire("a@x.io", "c2") == 0


async def test_a_client_is_blocked_after_attempts_on_many_accounts() -> None:
    throttle = MemoryLoginThrottle(LIMITS, FakeClock())
    for n in range(5):
        assert await throttle.acquire(f"user{n}@x.io", "c1") == 0
    assert await throttle.acquire("fresh@x.io", "c1") == 300
    assert await throttle.acquire("fresh@x.io", "c2") == 0


async def test_a_refused_attempt_takes_no_slot() -> None:
    throttle = MemoryLoginThrottle(ThrottleLimits(1, 3, 300), FakeClock())
    assert await throttle.acquire("a@x.io", "c1") == 0
    for _ in range(5):
        assert await throttle.acquire("a@x.io", "c1") > 0
    # The client spent one slot, not six: two accounts more may still be tried.
    assert await throttle.acquire("b@x.io", "c1") == 0
    assert await throttle.acquire("c@x.io", "c1") == 0
    assert await throttle.acquire("d@x.io", "c1") > 0


async def test_success_forgets_the_account_and_gives_the_client_its_slot_back() -> None:
    throttle = MemoryLoginThrottle(ThrottleLimits(1, 1, 300), FakeClock())
    assert await throttle.acquire("a@x.io", "c1") == 0
    await throttle.succeeded("a@x.io", "c1")
    assert await throttle.acquire("a@x.io", "c1") == 0


async def test_expired_windows_are_swept_when_the_table_grows() -> None:
    clock = FakeClock()
    throttle = MemoryLoginThrottle(LIMITS, clock)
    throttle.SWEEP_AT = 3
    await throttle.acquire("a@x.io", "c1")
    await throttle.acquire("b@x.io", "c1")
    clock.advance(301)
    await throttle.acquire("c@x.io", "c2")
    assert len(throttle._windows) == 2
