"""The outbox table, which every writing unit of work appends its events to in its own
transaction; the relay (``adapters.sqlalchemy.notifications``) reads it."""

from collections.abc import Sequence
from typing import Any

from sqlalchemy import Column, Index, Integer, String, Table, Text, Uuid, insert, text

from adapters.sqlalchemy.metadata import UtcDateTime, metadata
from adapters.sqlalchemy.statements import Statements
from application.shared.outbox import OutboxEvent

_UNDISPATCHED = text("dispatched_at IS NULL")

outbox = Table(
    "outbox",
    metadata,
    Column("id", Uuid, primary_key=True),
    Column("type", String(64), nullable=False),
    Column("subject_id", Uuid, nullable=False),
    Column("subject_version", Integer, nullable=True),
    Column("occurred_at", UtcDateTime, nullable=False),
    # The snapshot as JSON text, kept byte for byte as receivers get it (``data::jsonb``
    # queries it on PostgreSQL).
    Column("data", Text, nullable=False),
    Column("schema_version", Integer, nullable=False),
    Column("request_id", String(128), nullable=True),
    Column("actor", String(64), nullable=True),
    Column("dispatched_at", UtcDateTime, nullable=True),
    # The relay's queue: what is still to fan out, oldest first.
    Index(
        "ix_outbox_undispatched", "id", postgresql_where=_UNDISPATCHED, sqlite_where=_UNDISPATCHED
    ),
    Index(None, "occurred_at"),
    Index(None, "subject_id", "occurred_at"),
)

_INSERT = insert(outbox)


def _row(event: OutboxEvent) -> dict[str, Any]:
    return {
        "id": event.id,
        "type": event.type,
        "subject_id": event.subject_id,
        "subject_version": event.subject_version,
        "occurred_at": event.occurred_at,
        "data": event.data,
        "schema_version": event.schema_version,
        "request_id": event.request_id,
        "actor": event.actor,
        "dispatched_at": None,
    }


async def append(statements: Statements, events: Sequence[OutboxEvent]) -> None:
    """Writes ``events`` in the transaction ``statements`` runs in: one round trip."""
    await statements.execute_many(_INSERT, [_row(event) for event in events])
