"""The notifications context in memory: the outbox as the units of work leave it, the
deliveries, and the accounts' addresses."""

from collections import Counter
from collections.abc import Callable, Mapping, Sequence
from dataclasses import replace
from datetime import datetime
from typing import Any
from uuid import UUID

from adapters.memory.writes import Repositories, Writes
from application.notifications.ports import DeliveryQuery, EventQuery, Recipient
from application.shared.outbox import OutboxEvent
from domain.notifications import Channel, Delivery, DeliveryStatus, WebhookEndpoint
from domain.shared.aggregate import Aggregate
from domain.shared.errors import ConcurrentUpdate
from domain.users import User

# An outbox row: the event, and when it was dispatched (None until then).
_Row = tuple[OutboxEvent, datetime | None]


class MemoryOutboxRepository(Writes):
    def __init__(
        self, rows: dict[UUID, _Row], _track: Callable[[Aggregate], None], *, writable: bool
    ) -> None:
        super().__init__(writable)
        self._rows = rows

    async def claim(self, limit: int) -> Sequence[OutboxEvent]:
        undispatched = sorted(event.id for event, at in self._rows.values() if at is None)
        return [self._rows[event_id][0] for event_id in undispatched[:limit]]

    async def mark_dispatched(self, event_ids: Sequence[UUID], now: datetime) -> None:
        self._check_writable()
        for event_id in event_ids:
            self._rows[event_id] = (self._rows[event_id][0], now)

    async def get_many(self, event_ids: Sequence[UUID]) -> Sequence[OutboxEvent]:
        return [self._rows[i][0] for i in event_ids if i in self._rows]

    async def list(self, query: EventQuery) -> Sequence[OutboxEvent]:
        found = sorted(
            (
                event
                for event, _ in self._rows.values()
                if query.type in (None, event.type)
                and (query.since is None or event.occurred_at >= query.since)
            ),
            key=lambda event: (event.occurred_at, event.id),
            reverse=True,
        )
        return found[: query.limit]

    async def undispatched(self) -> tuple[int, datetime | None]:
        waiting = [event.occurred_at for event, at in self._rows.values() if at is None]
        return len(waiting), min(waiting, default=None)


class MemoryDeliveryRepository(Writes):
    def __init__(
        self,
        deliveries: dict[UUID, tuple[Delivery, UUID | None, datetime | None]],
        _track: Callable[[Aggregate], None],
        *,
        writable: bool,
    ) -> None:
        super().__init__(writable)
        self._rows = deliveries

    async def add_many(self, batch: Sequence[Delivery]) -> None:
        self._check_writable()
        taken = {d.dedupe_key for d, _, _ in self._rows.values()}
        for delivery in batch:
            if delivery.dedupe_key not in taken:
                taken.add(delivery.dedupe_key)
                self._rows[delivery.id] = (replace(delivery), None, None)

    async def claim_due(
        self, now: datetime, lease: UUID, leased_until: datetime, limit: int
    ) -> Sequence[Delivery]:
        self._check_writable()
        pending = [d for d, _, _ in self._rows.values() if d.status is DeliveryStatus.PENDING]
        first: dict[tuple[Channel, str, UUID], Delivery] = {}
        for d in sorted(pending, key=lambda d: d.event_id):
            first.setdefault((d.channel, d.target, d.subject_id), d)
        due = sorted(
            (
                d
                for d in first.values()
                if d.next_attempt_at <= now and _lease_over(self._rows[d.id][2], now)
            ),
            key=lambda d: d.next_attempt_at,
        )[:limit]
        for d in due:
            self._rows[d.id] = (d, lease, leased_until)
        return [replace(d) for d in sorted(due, key=lambda d: d.event_id)]

    async def get(self, delivery_id: UUID) -> Delivery | None:
        row = self._rows.get(delivery_id)
        return replace(row[0]) if row is not None else None

    async def save(self, delivery: Delivery, lease: UUID | None) -> bool:
        self._check_writable()
        row = self._rows.get(delivery.id)
        if row is None or (lease is not None and row[1] != lease):
            return False
        self._rows[delivery.id] = (replace(delivery), None, None)
        return True

    async def list(self, query: DeliveryQuery) -> Sequence[Delivery]:
        found = sorted(
            (
                d
                for d, _, _ in self._rows.values()
                if query.channel in (None, d.channel)
                and query.target in (None, d.target)
                and query.status in (None, d.status)
                and (query.after is None or (d.created_at, d.id) < query.after)
            ),
            key=lambda d: (d.created_at, d.id),
            reverse=True,
        )
        return [replace(d) for d in found[: query.limit]]

    async def unfinished(self) -> Mapping[tuple[Channel, DeliveryStatus], int]:
        return Counter(
            (d.channel, d.status)
            for d, _, _ in self._rows.values()
            if d.status is not DeliveryStatus.SUCCEEDED
        )


def _lease_over(leased_until: datetime | None, now: datetime) -> bool:
    return leased_until is None or leased_until <= now


class MemoryRecipientRepository:
    table = "users"

    def __init__(
        self, users: dict[UUID, User], _track: Callable[[Aggregate], None], **_: Any
    ) -> None:
        self._users = users

    async def get_many(self, user_ids: Sequence[UUID]) -> Mapping[UUID, Recipient]:
        found = (self._users.get(user_id) for user_id in user_ids)
        return {u.id: Recipient(u.email.value, u.full_name) for u in found if u and u.is_active}

    async def admins(self) -> Sequence[UUID]:
        admins = (u for u in self._users.values() if u.is_active_admin)
        return [u.id for u in sorted(admins, key=lambda u: u.created_at)]


class MemoryWebhookRepository(Writes):
    def __init__(
        self,
        endpoints: dict[UUID, WebhookEndpoint],
        track: Callable[[Aggregate], None],
        *,
        writable: bool,
    ) -> None:
        super().__init__(writable)
        self._endpoints, self._track = endpoints, track

    async def add(self, endpoint: WebhookEndpoint) -> None:
        self._check_writable()
        self._endpoints[endpoint.id] = replace(endpoint, events=[])
        self._track(endpoint)

    async def get(self, endpoint_id: UUID, *, for_update: bool = False) -> WebhookEndpoint | None:
        stored = self._endpoints.get(endpoint_id)
        return replace(stored, events=[]) if stored is not None else None

    async def list(self) -> Sequence[WebhookEndpoint]:
        every = sorted(self._endpoints.values(), key=lambda e: (e.created_at, e.id))
        return [replace(e, events=[]) for e in every]

    async def enabled(self) -> Sequence[WebhookEndpoint]:
        return [e for e in await self.list() if e.enabled]

    async def save(self, endpoint: WebhookEndpoint) -> None:
        self._check_writable()
        stored = self._endpoints.get(endpoint.id)
        if stored is None or stored.version != endpoint.version:
            raise ConcurrentUpdate("The webhook endpoint changed meanwhile; try again")
        endpoint.version += 1
        self._endpoints[endpoint.id] = replace(endpoint, events=[])
        self._track(endpoint)

    async def delete(self, endpoint_id: UUID) -> bool:
        self._check_writable()
        return self._endpoints.pop(endpoint_id, None) is not None


REPOSITORIES: Repositories = {
    "outbox": MemoryOutboxRepository,
    "deliveries": MemoryDeliveryRepository,
    "recipients": MemoryRecipientRepository,
    "webhooks": MemoryWebhookRepository,
}
