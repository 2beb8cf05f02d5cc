"""The notifications context in SQL: its tables (deliveries, webhook endpoints), and the
repositories of the outbox, the deliveries, the addresses emails go to and the webhook
endpoints."""

from collections.abc import Callable, Mapping, Sequence
from datetime import datetime
from functools import cache
from typing import Any
from uuid import UUID

from sqlalchemy import (
    Boolean,
    CheckConstraint,
    Column,
    ColumnElement,
    Index,
    Integer,
    Select,
    String,
    Table,
    Uuid,
    bindparam,
    delete,
    exists,
    func,
    insert,
    literal_column,
    or_,
    select,
    text,
    update,
)
from sqlalchemy.dialects import postgresql, sqlite

from adapters.sqlalchemy.metadata import UtcDateTime, metadata
from adapters.sqlalchemy.outbox import outbox
from adapters.sqlalchemy.queries import after_parameters, after_position
from adapters.sqlalchemy.statements import Repositories, Statements, one_of
from adapters.sqlalchemy.users import users
from adapters.sqlalchemy.versions import save_versioned, versioned_update
from application.notifications.ports import DeliveryQuery, EventQuery, Recipient
from application.shared.outbox import OutboxEvent
from domain.notifications import Channel, Delivery, DeliveryStatus, WebhookEndpoint
from domain.shared.aggregate import Aggregate
from domain.users import Role

_PENDING = text("status = 'pending'")

deliveries = Table(
    "deliveries",
    metadata,
    Column("id", Uuid, primary_key=True),
    Column("event_id", Uuid, nullable=False, index=True),
    Column("event_type", String(64), nullable=False),
    Column("channel", String(16), nullable=False),
    Column("target", String(64), nullable=False),
    Column("dedupe_key", String(200), nullable=False, unique=True),
    Column("subject_id", Uuid, nullable=False),
    Column("status", String(16), nullable=False),
    Column("attempts", Integer, nullable=False),
    Column("next_attempt_at", UtcDateTime, nullable=False),
    Column("last_error", String(500), nullable=True),
    Column("last_status", Integer, nullable=True),
    Column("created_at", UtcDateTime, nullable=False),
    Column("delivered_at", UtcDateTime, nullable=True),
    # The worker that holds it, until when: a killed worker's lease runs out.
    Column("lease", Uuid, nullable=True),
    Column("leased_until", UtcDateTime, nullable=True),
    CheckConstraint("status IN ('pending', 'succeeded', 'failed')", name="status"),
    CheckConstraint("channel IN ('broker', 'email', 'webhook')", name="channel"),
    # The workers' queue, and the check that a subject's earlier delivery went first.
    Index(None, "next_attempt_at", postgresql_where=_PENDING, sqlite_where=_PENDING),
    Index(
        "ix_deliveries_pending_by_subject",
        "channel",
        "target",
        "subject_id",
        "event_id",
        postgresql_where=_PENDING,
        sqlite_where=_PENDING,
    ),
    Index(None, "target", "created_at", "id"),
)

webhook_endpoints = Table(
    "webhook_endpoints",
    metadata,
    Column("id", Uuid, primary_key=True),
    Column("url", String(2000), nullable=False),
    # Sorted, comma-separated ("*": every type).
    Column("event_types", String(2000), nullable=False),
    Column("description", String(500), nullable=False),
    Column("enabled", Boolean, nullable=False),
    # Kept as they are: the HMAC needs them (the database's access is the guard).
    Column("secret", String(100), nullable=False),
    Column("previous_secret", String(100), nullable=True),
    Column("previous_secret_until", UtcDateTime, nullable=True),
    Column("failures_in_a_row", Integer, nullable=False),
    Column("created_at", UtcDateTime, nullable=False),
    Column("updated_at", UtcDateTime, nullable=False),
    Column("version", Integer, nullable=False),
)

# --- the outbox

_CLAIM_EVENTS = (
    select(outbox)
    .where(outbox.c.dispatched_at.is_(None))
    .order_by(outbox.c.id)
    .limit(bindparam("limit"))
    .with_for_update(skip_locked=True)
)
_MARK_DISPATCHED = {
    dialect: update(outbox).where(condition).values(dispatched_at=bindparam("now"))
    for dialect, condition in one_of(outbox.c.id, "ids").items()
}
_EVENTS_BY_ID = {
    dialect: select(outbox).where(condition)
    for dialect, condition in one_of(outbox.c.id, "ids").items()
}
_UNDISPATCHED = select(
    func.count().label("waiting"), func.min(outbox.c.occurred_at).label("oldest")
).where(outbox.c.dispatched_at.is_(None))
_UNFINISHED = (
    select(deliveries.c.channel, deliveries.c.status, func.count().label("count"))
    .where(deliveries.c.status != DeliveryStatus.SUCCEEDED.value)
    .group_by(deliveries.c.channel, deliveries.c.status)
)


@cache
def _events_page(by_type: bool, since: bool) -> Select[Any]:
    conditions: list[ColumnElement[bool]] = []
    if by_type:
        conditions.append(outbox.c.type == bindparam("type"))
    if since:
        conditions.append(outbox.c.occurred_at >= bindparam("since"))
    return (
        select(outbox)
        .where(*conditions)
        .order_by(outbox.c.occurred_at.desc(), outbox.c.id.desc())
        .limit(bindparam("limit"))
    )


def _event(row: Mapping[Any, Any]) -> OutboxEvent:
    return OutboxEvent(
        id=row["id"],
        type=row["type"],
        subject_id=row["subject_id"],
        subject_version=row["subject_version"],
        occurred_at=row["occurred_at"],
        data=row["data"],
        schema_version=row["schema_version"],
        request_id=row["request_id"],
        actor=row["actor"],
    )


class SqlOutboxRepository:
    def __init__(self, statements: Statements, _track: Callable[[Aggregate], None]) -> None:
        self._statements = statements

    async def claim(self, limit: int) -> Sequence[OutboxEvent]:
        return [_event(row) for row in await self._statements.rows(_CLAIM_EVENTS, {"limit": limit})]

    async def mark_dispatched(self, event_ids: Sequence[UUID], now: datetime) -> None:
        statement = _MARK_DISPATCHED[self._statements.dialect]
        await self._statements.execute(statement, {"ids": list(event_ids), "now": now})

    async def get_many(self, event_ids: Sequence[UUID]) -> Sequence[OutboxEvent]:
        statement = _EVENTS_BY_ID[self._statements.dialect]
        return [_event(row) for row in await self._statements.rows(statement, {"ids": event_ids})]

    async def list(self, query: EventQuery) -> Sequence[OutboxEvent]:
        statement = _events_page(query.type is not None, query.since is not None)
        parameters: dict[str, Any] = {"limit": query.limit}
        if query.type is not None:
            parameters["type"] = query.type
        if query.since is not None:
            parameters["since"] = query.since
        return [_event(row) for row in await self._statements.rows(statement, parameters)]

    async def undispatched(self) -> tuple[int, datetime | None]:
        row = await self._statements.row(_UNDISPATCHED)
        assert row is not None  # an aggregate answers one row
        return row["waiting"], row["oldest"]


# --- the deliveries


def _add_deliveries(dialect: Any) -> Any:
    return dialect.insert(deliveries).on_conflict_do_nothing(index_elements=["dedupe_key"])


_ADD_DELIVERIES = {"postgresql": _add_deliveries(postgresql), "sqlite": _add_deliveries(sqlite)}

_earlier = deliveries.alias("earlier")
_PENDING_VALUE: ColumnElement[str] = literal_column(f"'{DeliveryStatus.PENDING.value}'")
_DUE = (
    select(deliveries.c.id)
    .where(
        # Literals, not parameters: the partial indexes on pending rows apply to the
        # statement's plan whatever the values bound (a generic plan included).
        deliveries.c.status == _PENDING_VALUE,
        deliveries.c.next_attempt_at <= bindparam("now"),
        or_(deliveries.c.leased_until.is_(None), deliveries.c.leased_until <= bindparam("now")),
        # A subject's deliveries to one place go in the order of their events.
        ~exists().where(
            _earlier.c.status == _PENDING_VALUE,
            _earlier.c.channel == deliveries.c.channel,
            _earlier.c.target == deliveries.c.target,
            _earlier.c.subject_id == deliveries.c.subject_id,
            _earlier.c.event_id < deliveries.c.event_id,
        ),
    )
    .order_by(deliveries.c.next_attempt_at)
    .limit(bindparam("limit"))
    .with_for_update(skip_locked=True)
    .scalar_subquery()
)
_CLAIM_DUE = (
    update(deliveries)
    .where(deliveries.c.id.in_(_DUE))
    .values(lease=bindparam("new_lease"), leased_until=bindparam("lease_ends"))
    .returning(deliveries)
)
_SAVED_COLUMNS = (
    "status", "attempts", "next_attempt_at", "last_error", "last_status", "delivered_at",
)  # fmt: skip
# Writes the columns its parameters name: the saved ones, the lease ended.
_SAVE = update(deliveries).where(deliveries.c.id == bindparam("delivery_id"))
_SAVE_LEASED = _SAVE.where(deliveries.c.lease == bindparam("held"))
_DELIVERY_BY_ID = select(deliveries).where(deliveries.c.id == bindparam("delivery_id"))


_NEWEST_FIRST = (deliveries.c.created_at, deliveries.c.id)


@cache
def _deliveries_page(channel: bool, target: bool, status: bool, after: bool) -> Select[Any]:
    conditions: list[ColumnElement[bool]] = []
    if channel:
        conditions.append(deliveries.c.channel == bindparam("channel"))
    if target:
        conditions.append(deliveries.c.target == bindparam("target"))
    if status:
        conditions.append(deliveries.c.status == bindparam("status"))
    if after:
        conditions.append(after_position(_NEWEST_FIRST, descending=True))
    return (
        select(deliveries)
        .where(*conditions)
        .order_by(*(column.desc() for column in _NEWEST_FIRST))
        .limit(bindparam("limit"))
    )


def _delivery(row: Mapping[Any, Any]) -> Delivery:
    return Delivery(
        id=row["id"],
        event_id=row["event_id"],
        event_type=row["event_type"],
        channel=Channel(row["channel"]),
        target=row["target"],
        dedupe_key=row["dedupe_key"],
        subject_id=row["subject_id"],
        created_at=row["created_at"],
        next_attempt_at=row["next_attempt_at"],
        status=DeliveryStatus(row["status"]),
        attempts=row["attempts"],
        last_error=row["last_error"],
        last_status=row["last_status"],
        delivered_at=row["delivered_at"],
    )


def _delivery_row(delivery: Delivery) -> dict[str, Any]:
    return {
        "id": delivery.id,
        "event_id": delivery.event_id,
        "event_type": delivery.event_type,
        "channel": delivery.channel.value,
        "target": delivery.target,
        "dedupe_key": delivery.dedupe_key,
        "subject_id": delivery.subject_id,
        "created_at": delivery.created_at,
        "next_attempt_at": delivery.next_attempt_at,
        "status": delivery.status.value,
        "attempts": delivery.attempts,
        "last_error": delivery.last_error,
        "last_status": delivery.last_status,
        "delivered_at": delivery.delivered_at,
        "lease": None,
        "leased_until": None,
    }


class SqlDeliveryRepository:
    def __init__(self, statements: Statements, _track: Callable[[Aggregate], None]) -> None:
        self._statements = statements

    async def add_many(self, batch: Sequence[Delivery]) -> None:
        statement = _ADD_DELIVERIES[self._statements.dialect]
        await self._statements.execute_many(statement, [_delivery_row(d) for d in batch])

    async def claim_due(
        self, now: datetime, lease: UUID, leased_until: datetime, limit: int
    ) -> Sequence[Delivery]:
        parameters = {"now": now, "new_lease": lease, "lease_ends": leased_until, "limit": limit}
        rows = await self._statements.rows(_CLAIM_DUE, parameters)
        return sorted((_delivery(row) for row in rows), key=lambda d: d.event_id)

    async def get(self, delivery_id: UUID) -> Delivery | None:
        row = await self._statements.row(_DELIVERY_BY_ID, {"delivery_id": delivery_id})
        return _delivery(row) if row is not None else None

    async def save(self, delivery: Delivery, lease: UUID | None) -> bool:
        row = _delivery_row(delivery)
        values = {name: row[name] for name in _SAVED_COLUMNS} | {
            "lease": None,
            "leased_until": None,
            "delivery_id": delivery.id,
        }
        if lease is None:
            return await self._statements.execute(_SAVE, values) == 1
        return await self._statements.execute(_SAVE_LEASED, values | {"held": lease}) == 1

    async def unfinished(self) -> Mapping[tuple[Channel, DeliveryStatus], int]:
        rows = await self._statements.rows(_UNFINISHED)
        return {(Channel(r["channel"]), DeliveryStatus(r["status"])): r["count"] for r in rows}

    async def list(self, query: DeliveryQuery) -> Sequence[Delivery]:
        filters = {"channel": query.channel, "target": query.target, "status": query.status}
        statement = _deliveries_page(
            *(value is not None for value in filters.values()), query.after is not None
        )
        parameters: dict[str, Any] = {"limit": query.limit}
        parameters |= {name: str(value) for name, value in filters.items() if value is not None}
        if query.after is not None:
            parameters |= after_parameters(query.after)
        return [_delivery(row) for row in await self._statements.rows(statement, parameters)]


# --- the addresses


_RECIPIENTS = {
    dialect: select(users.c.id, users.c.email, users.c.full_name).where(
        condition, users.c.is_active
    )
    for dialect, condition in one_of(users.c.id, "ids").items()
}
_ADMINS = (
    select(users.c.id)
    .where(users.c.role == Role.ADMIN.value, users.c.is_active)
    .order_by(users.c.created_at)
)


class SqlRecipientRepository:
    def __init__(self, statements: Statements, _track: Callable[[Aggregate], None]) -> None:
        self._statements = statements

    async def get_many(self, user_ids: Sequence[UUID]) -> Mapping[UUID, Recipient]:
        statement = _RECIPIENTS[self._statements.dialect]
        rows = await self._statements.rows(statement, {"ids": user_ids})
        return {row["id"]: Recipient(row["email"], row["full_name"]) for row in rows}

    async def admins(self) -> Sequence[UUID]:
        return [row["id"] for row in await self._statements.rows(_ADMINS)]


# --- the webhook endpoints

_INSERT_ENDPOINT = insert(webhook_endpoints)
_ENDPOINT_BY_ID = select(webhook_endpoints).where(
    webhook_endpoints.c.id == bindparam("endpoint_id")
)
_ENDPOINT_BY_ID_FOR_UPDATE = _ENDPOINT_BY_ID.with_for_update()
_ENDPOINTS = select(webhook_endpoints).order_by(
    webhook_endpoints.c.created_at, webhook_endpoints.c.id
)
_ENABLED_ENDPOINTS = _ENDPOINTS.where(webhook_endpoints.c.enabled)
_SAVE_ENDPOINT = versioned_update(webhook_endpoints)
_DELETE_ENDPOINT = delete(webhook_endpoints).where(
    webhook_endpoints.c.id == bindparam("endpoint_id")
)


def _endpoint(row: Mapping[Any, Any]) -> WebhookEndpoint:
    return WebhookEndpoint(
        id=row["id"],
        url=row["url"],
        event_types=frozenset(row["event_types"].split(",")),
        description=row["description"],
        enabled=row["enabled"],
        secret=row["secret"],
        previous_secret=row["previous_secret"],
        previous_secret_until=row["previous_secret_until"],
        failures_in_a_row=row["failures_in_a_row"],
        created_at=row["created_at"],
        updated_at=row["updated_at"],
        version=row["version"],
    )


def _endpoint_row(endpoint: WebhookEndpoint) -> dict[str, Any]:
    return {
        "id": endpoint.id,
        "url": endpoint.url,
        "event_types": ",".join(sorted(endpoint.event_types)),
        "description": endpoint.description,
        "enabled": endpoint.enabled,
        "secret": endpoint.secret,
        "previous_secret": endpoint.previous_secret,
        "previous_secret_until": endpoint.previous_secret_until,
        "failures_in_a_row": endpoint.failures_in_a_row,
        "created_at": endpoint.created_at,
        "updated_at": endpoint.updated_at,
        "version": endpoint.version,
    }


class SqlWebhookRepository:
    def __init__(self, statements: Statements, track: Callable[[Aggregate], None]) -> None:
        self._statements, self._track = statements, track

    async def add(self, endpoint: WebhookEndpoint) -> None:
        await self._statements.execute(_INSERT_ENDPOINT, _endpoint_row(endpoint))
        self._track(endpoint)

    async def get(self, endpoint_id: UUID, *, for_update: bool = False) -> WebhookEndpoint | None:
        statement = _ENDPOINT_BY_ID_FOR_UPDATE if for_update else _ENDPOINT_BY_ID
        row = await self._statements.row(statement, {"endpoint_id": endpoint_id})
        return _endpoint(row) if row is not None else None

    async def list(self) -> Sequence[WebhookEndpoint]:
        return [_endpoint(row) for row in await self._statements.rows(_ENDPOINTS)]

    async def enabled(self) -> Sequence[WebhookEndpoint]:
        return [_endpoint(row) for row in await self._statements.rows(_ENABLED_ENDPOINTS)]

    async def save(self, endpoint: WebhookEndpoint) -> None:
        await save_versioned(
            self._statements,
            _SAVE_ENDPOINT,
            [endpoint],
            _endpoint_row,
            self._track,
            "webhook endpoint",
        )

    async def delete(self, endpoint_id: UUID) -> bool:
        return await self._statements.execute(_DELETE_ENDPOINT, {"endpoint_id": endpoint_id}) == 1


REPOSITORIES: Repositories = {
    "outbox": SqlOutboxRepository,
    "deliveries": SqlDeliveryRepository,
    "recipients": SqlRecipientRepository,
    "webhooks": SqlWebhookRepository,
}
