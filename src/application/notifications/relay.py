"""The relay: fans each event of the outbox out, once, into the deliveries that want it,
in the transaction that marks it dispatched; and the trails of what it fanned out (the
audit log, the metrics)."""

import json
from collections.abc import Iterator, Sequence
from datetime import datetime
from typing import Protocol
from uuid import UUID

from application.notifications.ports import NotificationsUnitOfWork
from application.notifications.shared import EMAIL_TEMPLATES, PING, Notifications
from application.shared.outbox import OutboxEvent
from domain.notifications import Channel, Delivery, WebhookEndpoint

EXCHANGE = "emporium.events"


class AuditTrail(Protocol):
    def record(self, events: Sequence[OutboxEvent]) -> None: ...


class RelayEventsHandler:
    def __init__(self, notifications: Notifications, *trails: AuditTrail) -> None:
        self._n, self._trails = notifications, trails

    async def __call__(self, limit: int = 200) -> int:
        """Fans out up to ``limit`` events; answers how many."""
        n = self._n
        async with n.uow() as uow:
            events = await uow.outbox.claim(limit)
            if not events:
                return 0
            now = n.clock.now()
            endpoints = await uow.webhooks.enabled()
            deliveries: list[Delivery] = []
            for event in events:
                deliveries += self._to_broker(event, now)
                deliveries += await self._to_inboxes(uow, event, now)
                deliveries += self._to_webhooks(event, endpoints, now)
            await uow.deliveries.add_many(deliveries)
            await uow.outbox.mark_dispatched([e.id for e in events], now)
            await uow.commit()
        for trail in self._trails:
            trail.record(events)
        return len(events)

    def _to_broker(self, event: OutboxEvent, now: datetime) -> Iterator[Delivery]:
        if self._n.broker is not None and event.type != PING:
            yield self._delivery(event, Channel.BROKER, EXCHANGE, f"broker:{event.id}", now)

    async def _to_inboxes(
        self, uow: NotificationsUnitOfWork, event: OutboxEvent, now: datetime
    ) -> list[Delivery]:
        """An email per recipient, once per kind and order (or account): a second event
        that would send it again is dropped by its key."""
        template = EMAIL_TEMPLATES.get(event.type)
        if template is None:
            return []
        if event.type == "webhook.disabled":
            recipients: Sequence[UUID] = await uow.recipients.admins()
        elif event.type.startswith("order."):
            recipients = [UUID(json.loads(event.data)["customer_id"])]
        else:
            recipients = [event.subject_id]
        return [
            self._delivery(
                event, Channel.EMAIL, str(to), f"email:{template}:{event.subject_id}:{to}", now
            )
            for to in recipients
        ]

    def _to_webhooks(
        self, event: OutboxEvent, endpoints: Sequence[WebhookEndpoint], now: datetime
    ) -> Iterator[Delivery]:
        pinged = event.subject_id if event.type == PING else None
        for endpoint in endpoints:
            if endpoint.id == pinged or (pinged is None and endpoint.wants(event.type)):
                key = f"webhook:{endpoint.id}:{event.id}"
                yield self._delivery(event, Channel.WEBHOOK, str(endpoint.id), key, now)

    def _delivery(
        self, event: OutboxEvent, channel: Channel, target: str, key: str, now: datetime
    ) -> Delivery:
        return Delivery(
            id=self._n.ids.new_id(),
            event_id=event.id,
            event_type=event.type,
            channel=channel,
            target=target,
            dedupe_key=key,
            subject_id=event.subject_id,
            created_at=now,
            next_attempt_at=now,
        )
