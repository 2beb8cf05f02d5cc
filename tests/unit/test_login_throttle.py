from adapters.throttle import MemoryLoginThrottle, ThrottleLimits
from tests.fakes import FakeClock

LIMITS = ThrottleLimits(per_email=3, per_client=5, window_seconds=300)


async def test_an_email_is_blocked_after_its_limit_until_the_window_ends() -> None:
    clock = FakeClock()
    throttle = MemoryLoginThrottle(LIMITS, clock)
    for _ in range(3):
        assert await throttle.retry_after("a@x.io", "c1") == 0
        await throttle.record_failure("a@x.io", "c1")
    clock.advance(100.5)
    assert await throttle.retry_after("a@x.io", "c2") == 200
    clock.advance(200)
    assert await throttle.retry_after("a@x.io", "c2") == 0


async def test_a_client_is_blocked_after_failing_on_many_emails() -> None:
    throttle = MemoryLoginThrottle(LIMITS, FakeClock())
    for n in range(5):
        await throttle.record_failure(f"user{n}@x.io", "c1")
    assert await throttle.retry_after("fresh@x.io", "c1") == 300
    assert await throttle.retry_after("fresh@x.io", "c2") == 0


async def test_clearing_an_email_forgets_its_failures_but_not_the_clients() -> None:
    throttle = MemoryLoginThrottle(ThrottleLimits(1, 1, 300), FakeClock())
    await throttle.record_failure("a@x.io", "c1")
    await throttle.clear("a@x.io")
    assert await throttle.retry_after("a@x.io", "c2") == 0
    assert await throttle.retry_after("a@x.io", "c1") == 300


async def test_expired_windows_are_swept_when_the_table_grows() -> None:
    clock = FakeClock()
    throttle = MemoryLoginThrottle(LIMITS, clock)
    throttle.SWEEP_AT = 3
    await throttle.record_failure("a@x.io", "c1")
    await throttle.record_failure("b@x.io", "c1")
    clock.advance(301)
    await throttle.record_failure("c@x.io", "c2")
    assert len(throttle._windows) == 2
