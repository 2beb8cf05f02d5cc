from adapters.throttle import ThrottleLimits
from adapters.throttle.memory import MemoryLoginThrottle
from tests.fakes import FakeClock

LIMITS = ThrottleLimits(per_account_and_client=3, per_account=4, per_client=5, window_seconds=300)


async def test_an_account_from_one_address_is_blocked_until_the_window_ends() -> None:
    clock = FakeClock()
    throttle = MemoryLoginThrottle(LIMITS, clock)
    for _ in range(3):
        assert await throttle.acquire("a@x.io", "c1") == 0
    clock.advance(100.5)
    assert await throttle.acquire("a@x.io", "c1") == 200
    assert await throttle.acquire("a@x.io", "c2") == 0  # the owner, elsewhere, gets in
    clock.advance(200)
    assert await throttle.acquire("a@x.io", "c1") == 0


async def test_guesses_spread_over_addresses_meet_the_looser_account_limit() -> None:
    throttle = MemoryLoginThrottle(LIMITS, FakeClock())
    for n in range(4):
        assert await throttle.acquire("a@x.io", f"c{n}") == 0
    assert await throttle.acquire("a@x.io", "c9") == 300
    assert await throttle.acquire("b@x.io", "c9") == 0


async def test_a_client_is_blocked_after_attempts_on_many_accounts() -> None:
    throttle = MemoryLoginThrottle(LIMITS, FakeClock())
    for n in range(5):
        assert await throttle.acquire(f"user{n}@x.io", "c1") == 0
    assert await throttle.acquire("fresh@x.io", "c1") == 300
    assert await throttle.acquire("fresh@x.io", "c2") == 0


async def test_a_refused_attempt_takes_no_slot() -> None:
    throttle = MemoryLoginThrottle(ThrottleLimits(1, 10, 3, 300), FakeClock())
    assert await throttle.acquire("a@x.io", "c1") == 0
    for _ in range(5):
        assert await throttle.acquire("a@x.io", "c1") > 0
    # The client spent one slot, not six: two accounts more may still be tried.
    assert await throttle.acquire("b@x.io", "c1") == 0
    assert await throttle.acquire("c@x.io", "c1") == 0
    assert await throttle.acquire("d@x.io", "c1") > 0


async def test_success_forgets_the_pair_and_gives_the_other_counts_their_slot_back() -> None:
    throttle = MemoryLoginThrottle(ThrottleLimits(1, 1, 1, 300), FakeClock())
    assert await throttle.acquire("a@x.io", "c1") == 0
    await throttle.succeeded("a@x.io", "c1")
    assert await throttle.acquire("a@x.io", "c1") == 0


async def test_unlocking_an_account_forgets_its_attempts_from_every_address() -> None:
    throttle = MemoryLoginThrottle(LIMITS, FakeClock())
    for client in ("c1", "c1", "c1", "c2"):
        await throttle.acquire("a@x.io", client)
    await throttle.acquire("b@x.io", "c3")
    assert await throttle.acquire("a@x.io", "c1") > 0
    assert await throttle.acquire("a@x.io", "c4") > 0
    await throttle.unlock("a@x.io")
    assert await throttle.acquire("a@x.io", "c1") == 0
    assert await throttle.acquire("a@x.io", "c4") == 0
    assert "login:client:c3" in throttle._windows.counts  # nobody else's counts


async def test_expired_windows_are_swept_when_the_table_grows() -> None:
    clock = FakeClock()
    throttle = MemoryLoginThrottle(LIMITS, clock)
    throttle._windows.SWEEP_AT = 3
    await throttle.acquire("a@x.io", "c1")
    await throttle.acquire("b@x.io", "c1")
    clock.advance(301)
    await throttle.acquire("c@x.io", "c2")
    assert len(throttle._windows.counts) == 3  # the three counts of the last attempt
