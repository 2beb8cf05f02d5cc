"""The outbox: what the shop tells the world, written in the transaction of the change
that raised it, so that an event exists if and only if its change committed.

A unit of work hands the events its aggregates recorded to ``OutboxWriter.take`` just
before it commits, and stores what comes back in the same transaction. What an event
says to the world (its public type and a snapshot of its subject) is ``describe``'s
business, wired in by the entrypoints: the payload is the document clients already
know, as it stands at commit.
"""

from collections.abc import Callable, Iterable
from contextvars import ContextVar
from dataclasses import dataclass
from datetime import datetime
from uuid import UUID

from application.shared.ports import Clock, IdGenerator
from domain.shared.aggregate import Aggregate
from domain.shared.events import DomainEvent

# The version of the payloads' shape: a receiver reads it before the payload.
SCHEMA_VERSION = 1


@dataclass(frozen=True, slots=True)
class Origin:
    """Who caused the changes being made, for the audit trail: the request's id and the
    acting user's id, or ``operator`` for the CLI, ``system`` for the background work."""

    request_id: str | None = None
    actor: str | None = None


UNKNOWN_ORIGIN = Origin()
# Set by the entrypoints where a request or a command begins; the outbox reads it.
origin: ContextVar[Origin] = ContextVar("origin", default=UNKNOWN_ORIGIN)


@dataclass(frozen=True, slots=True)
class PublicEvent:
    """A domain event as the world sees it: its type (``order.paid``) and its subject
    (the aggregate it happened to, at its version if it has one, and a snapshot of it as
    JSON text, sent as it is)."""

    type: str
    subject_id: UUID
    subject_version: int | None
    data: str


# A domain event's public events: none (internal), one, or several (a cancellation
# that refunds).
Describe = Callable[[Aggregate, DomainEvent], Iterable[PublicEvent]]


@dataclass(frozen=True, slots=True)
class OutboxEvent:
    """One row of the outbox. ``id`` (a UUIDv7, in commit order for a given subject) is
    the id every receiver sees and deduplicates by."""

    id: UUID
    type: str
    subject_id: UUID
    subject_version: int | None
    occurred_at: datetime
    data: str
    schema_version: int = SCHEMA_VERSION
    request_id: str | None = None
    actor: str | None = None


class OutboxWriter:
    """Turns the events a unit of work's aggregates recorded into outbox rows."""

    def __init__(self, describe: Describe, ids: IdGenerator, clock: Clock) -> None:
        self._describe, self._ids, self._clock = describe, ids, clock

    def take(self, aggregates: Iterable[Aggregate]) -> list[OutboxEvent]:
        """The outbox rows for the events recorded since the last take, each handed over
        once. Called at commit, after the last write: the snapshots are the committed
        state, and ids come after those of any change this one waited for. A subject
        gets one event of a type per transaction (a product renamed and repriced at once
        is one ``product.updated``): the snapshot would be the same."""
        public = {
            (p.type, p.subject_id): p
            for aggregate in aggregates
            for event in aggregate.pull_events()
            for p in self._describe(aggregate, event)
        }
        if not public:
            return []
        now, who = self._clock.now(), origin.get()
        return [
            OutboxEvent(
                id=self._ids.new_id(),
                type=p.type,
                subject_id=p.subject_id,
                subject_version=p.subject_version,
                occurred_at=now,
                data=p.data,
                request_id=who.request_id,
                actor=who.actor,
            )
            for p in public.values()
        ]
