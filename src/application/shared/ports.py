"""The ports every bounded context needs: transactions, time, ids, events, rate limits."""

from dataclasses import dataclass
from datetime import datetime
from types import TracebackType
from typing import Protocol, Self
from uuid import UUID


class ReadOnlyUnitOfWork(Protocol):
    """Reads. ``async with uow:`` opens it; there is nothing to commit, and the adapter
    refuses any write made through it. Each repository call is one consistent read (an
    order comes with its lines as they were together); two calls may see a commit made
    between them, so a use case that needs two reads to agree reads in a unit of work
    that writes, under a lock."""

    async def __aenter__(self) -> Self: ...

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None: ...


class UnitOfWork(ReadOnlyUnitOfWork, Protocol):
    """One transaction. Leaving ``async with`` without ``commit()`` rolls back. Its
    commit writes the events of every aggregate its repositories handed out or stored to
    the outbox, in the same transaction (``application.shared.outbox``)."""

    async def commit(self) -> None: ...


class Clock(Protocol):
    def now(self) -> datetime:
        """The current time, timezone-aware, in UTC."""


class IdGenerator(Protocol):
    def new_id(self) -> UUID: ...


@dataclass(frozen=True, slots=True)
class Quota:
    """At most ``limit`` requests of one kind (``name``) per ``window`` seconds, per key
    (a client address, a user)."""

    name: str
    limit: int
    window: int


class RateLimiter(Protocol):
    async def hit(self, quota: Quota, key: str) -> int:
        """Counts one request against ``key``'s quota: 0 when within it; else the seconds
        until its window ends, and nothing is counted. Atomic, however many race."""


class WriteRefused(RuntimeError):
    """A write through a read-only unit of work: a bug in the use case, refused."""
