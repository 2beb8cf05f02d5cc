"""Test doubles for the ports that have no in-memory adapter in src: a settable clock and
an instant password hasher (real argon2 is tested in tests/integration)."""

from collections.abc import Sequence
from datetime import UTC, datetime, timedelta

from domain.shared.events import DomainEvent


class FakeClock:
    def __init__(self, start: datetime = datetime(2026, 11, 22, 7, 30, tzinfo=UTC)) -> None:
        self.current = start

    def now(self) -> datetime:
        return self.current

    def advance(self, seconds: float) -> None:
        self.current += timedelta(seconds=seconds)


class FakeHasher:
    """``fake$<password>``; hashes starting ``old$`` verify but ask to be upgraded."""

    async def hash(self, password: str) -> str:
        return f"fake${password}"

    async def verify(self, password: str, password_hash: str | None) -> tuple[bool, str | None]:
        if password_hash == f"old${password}":
            return True, f"fake${password}"
        return password_hash == f"fake${password}", None


class EventLog:
    """Collects what the units of work publish."""

    def __init__(self) -> None:
        self.published: list[DomainEvent] = []

    async def publish(self, events: Sequence[DomainEvent]) -> None:
        self.published.extend(events)
