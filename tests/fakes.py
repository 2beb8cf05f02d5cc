"""Test doubles for the ports that have no in-memory adapter in src: a settable clock and
an instant password hasher (real argon2 is tested in tests/integration)."""

from collections.abc import Iterable
from datetime import UTC, datetime, timedelta

from adapters.system import SystemClock, Uuid7Generator
from application.notifications.ports import Email, SendFailed
from application.shared.outbox import OutboxEvent, OutboxWriter, PublicEvent
from application.shared.ports import Clock
from domain.shared.aggregate import Aggregate
from domain.shared.events import DomainEvent
from entrypoints.events import PublicEvents


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
    """The outbox's ``describe`` as the container wires it, remembering each domain event
    it is handed: those of the units of work that committed."""

    def __init__(self) -> None:
        self.published: list[DomainEvent] = []
        self.failing = False  # a commit whose outbox cannot be written
        self._public = PublicEvents(low_stock=5)

    def __call__(self, aggregate: Aggregate, event: DomainEvent) -> Iterable[PublicEvent]:
        if self.failing:
            raise RuntimeError("the outbox cannot be written")
        self.published.append(event)
        return self._public(aggregate, event)

    def writer(self, clock: Clock | None = None) -> OutboxWriter:
        return OutboxWriter(self, Uuid7Generator(), clock or SystemClock())


class Receiver:
    """A broker and a mailer that keep what they are sent, and fail the next
    ``failures`` attempts as a server that is down would."""

    def __init__(self, failures: int = 0) -> None:
        self.events: list[OutboxEvent] = []
        self.emails: list[Email] = []
        self.failures = failures

    async def publish(self, event: OutboxEvent) -> None:
        self._maybe_fail()
        self.events.append(event)

    async def send(self, email: Email) -> None:
        self._maybe_fail()
        self.emails.append(email)

    async def ping(self) -> None:
        pass

    async def close(self) -> None:
        pass

    def _maybe_fail(self) -> None:
        if self.failures:
            self.failures -= 1
            raise SendFailed("the server is down", status=503)
