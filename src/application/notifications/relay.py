"""The relay: fans each event of the outbox out, once, into the deliveries that want it,
in the transaction that marks it dispatched; and the audit trail of what it fanned out."""

from collections.abc import Iterator, Sequence
from datetime import datetime
from typing import Protocol

from application.notifications.shared import EMAIL_TEMPLATES, Notifications
from application.shared.outbox import OutboxEvent
from domain.notifications import Channel, Delivery

EXCHANGE = "emporium.events"
MAILBOX = "customer"


class AuditTrail(Protocol):
    def record(self, events: Sequence[OutboxEvent]) -> None: ...


class RelayEventsHandler:
    def __init__(self, notifications: Notifications, audit: AuditTrail) -> None:
        self._n, self._audit = notifications, audit

    async def __call__(self, limit: int = 200) -> int:
        """Fans out up to ``limit`` events; answers how many."""
        n = self._n
        async with n.uow() as uow:
            events = await uow.outbox.claim(limit)
            if not events:
                return 0
            now = n.clock.now()
            await uow.deliveries.add_many([d for e in events for d in self._fan_out(e, now)])
            await uow.outbox.mark_dispatched([e.id for e in events], now)
            await uow.commit()
        self._audit.record(events)
        return len(events)

    def _fan_out(self, event: OutboxEvent, now: datetime) -> Iterator[Delivery]:
        if self._n.broker is not None:
            yield self._delivery(event, Channel.BROKER, EXCHANGE, f"broker:{event.id}", now)
        template = EMAIL_TEMPLATES.get(event.type)
        if template is not None:
            # One email of a kind per order or account, whatever asks for it again.
            key = f"email:{template}:{event.subject_id}"
            yield self._delivery(event, Channel.EMAIL, MAILBOX, key, now)

    def _delivery(
        self, event: OutboxEvent, channel: Channel, target: str, key: str, now: datetime
    ) -> Delivery:
        return Delivery(
            id=self._n.ids.new_id(),
            event_id=event.id,
            channel=channel,
            target=target,
            dedupe_key=key,
            subject_id=event.subject_id,
            created_at=now,
            next_attempt_at=now,
        )
