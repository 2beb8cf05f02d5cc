"""Working the deliveries: a round leases the due ones, sends them all at once outside
any transaction, and writes back each outcome whose lease still holds; a worker killed
mid-send leaves its leases to run out, and another worker takes the deliveries over (at
least once)."""

import asyncio
import json
import random
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from uuid import UUID

from application.notifications.commands import ListDeliveries, Redeliver
from application.notifications.ports import (
    DeliveryQuery,
    Email,
    NotificationsUnitOfWork,
    Recipient,
    SendFailed,
)
from application.notifications.shared import EMAIL_TEMPLATES, Notifications, envelope
from application.notifications.signatures import signed_headers
from application.shared.outbox import OutboxEvent
from domain.notifications import Channel, Delivery, DeliveryStatus, WebhookEndpoint
from domain.shared.errors import NotFound

# A retry waits up to 10% longer than its schedule says, so that many deliveries that
# failed together do not all come back at once.
JITTER = 0.1


@dataclass(frozen=True, slots=True)
class _Round:
    """What one round's sends need, read with its claim: the events, the addresses of
    the emails' recipients, the webhook endpoints that are enabled."""

    events: Mapping[UUID, OutboxEvent]
    recipients: Mapping[UUID, Recipient]
    endpoints: Mapping[UUID, WebhookEndpoint]


class DeliverDueHandler:
    def __init__(
        self, notifications: Notifications, jitter: Callable[[], float] = random.random
    ) -> None:
        self._n, self._jitter = notifications, jitter

    async def __call__(self, limit: int = 50) -> int:
        """Attempts up to ``limit`` due deliveries at once; answers how many. One
        transaction claims them with what the sends need; outcomes are written back as
        they come, those that finish together in one transaction, so that a slow
        receiver holds back no other's (a worker killed meanwhile sends only what was
        not written back again). An attempt that failed unexpectedly is left to its
        lease (tried again after it), and its error raised once the others are written
        back."""
        n = self._n
        lease, now = n.ids.new_id(), n.clock.now()
        async with n.uow() as uow:
            due = await uow.deliveries.claim_due(now, lease, now + n.lease, limit)
            if not due:
                return 0
            events = await uow.outbox.get_many(list({d.event_id for d in due}))
            emails = {UUID(d.target) for d in due if d.channel is Channel.EMAIL}
            recipients = await uow.recipients.get_many(list(emails))
            webhooks = any(d.channel is Channel.WEBHOOK for d in due)
            endpoints = await uow.webhooks.enabled() if webhooks else []
            await uow.commit()
        needs = _Round({e.id: e for e in events}, recipients, {e.id: e for e in endpoints})
        sending = {asyncio.ensure_future(self._attempt(d, needs)): d for d in due}
        failures: list[BaseException] = []
        while sending:
            done, _ = await asyncio.wait(sending, return_when=asyncio.FIRST_COMPLETED)
            finished = [(sending.pop(task), task) for task in done]
            failures += [e for _, task in finished if (e := task.exception()) is not None]
            outcomes = [(d, task.result()) for d, task in finished if task.exception() is None]
            for delivery, tried in outcomes:
                n.attempted(delivery, tried)
            await self._write_back(outcomes, lease, needs)
        if failures:
            raise failures[0]
        return len(due)

    async def _write_back(
        self, outcomes: list[tuple[Delivery, bool]], lease: UUID, needs: _Round
    ) -> None:
        """Each attempt's outcome (``bool``: whether it was tried), if its lease holds."""
        async with self._n.uow() as uow:
            for delivery, tried in outcomes:
                if not await uow.deliveries.save(delivery, lease):
                    continue  # its lease ran out: another worker has it now
                if tried and delivery.channel is Channel.WEBHOOK:
                    await self._count_outcome(uow, delivery, needs)
            await uow.commit()

    async def _attempt(self, delivery: Delivery, needs: _Round) -> bool:
        """Sends the delivery and records the outcome on it; answers whether it was
        tried (not abandoned for want of somewhere to go)."""
        n = self._n
        try:
            status = await self._send(delivery, needs)
        except SendFailed as failure:
            schedule = n.broker_retries if delivery.channel is Channel.BROKER else n.retries
            delivery.failed(
                n.clock.now(),
                failure.error,
                schedule,
                status=failure.status,
                retry_after=failure.retry_after,
                jitter=self._jitter() * JITTER,
            )
        except _Nowhere as nowhere:
            delivery.abandon(n.clock.now(), str(nowhere))
            return False
        else:
            delivery.succeeded(n.clock.now(), status)
        return True

    async def _count_outcome(
        self, uow: NotificationsUnitOfWork, delivery: Delivery, needs: _Round
    ) -> None:
        """An endpoint's run of deliveries that failed for good, which disables it; a
        delivery that arrives ends the run. Only a change to the run locks the endpoint's
        row: a delivery that arrives at an endpoint with no run (as the round read it),
        the usual case, writes nothing, so busy workers do not queue on that one row."""
        if delivery.status is DeliveryStatus.PENDING:
            return
        seen = needs.endpoints.get(UUID(delivery.target))
        arrived = delivery.status is DeliveryStatus.SUCCEEDED
        if arrived and seen is not None and not seen.failures_in_a_row:
            return
        endpoint = await uow.webhooks.get(UUID(delivery.target), for_update=True)
        if endpoint is None:
            return
        if delivery.status is DeliveryStatus.FAILED:
            endpoint.delivery_failed_for_good(self._n.clock.now())
        elif endpoint.failures_in_a_row:
            endpoint.delivered()
        else:
            return
        await uow.webhooks.save(endpoint)

    async def _send(self, delivery: Delivery, needs: _Round) -> int | None:
        n, event = self._n, needs.events[delivery.event_id]
        match delivery.channel:
            case Channel.BROKER:
                if n.broker is None:
                    raise SendFailed("no broker is configured (EMPORIUM_BROKER_URL)")
                await n.broker.publish(event)
                return None
            case Channel.EMAIL:
                recipient = needs.recipients.get(UUID(delivery.target))
                if recipient is None:
                    raise _Nowhere("the account is closed or unknown")
                await n.mailer.send(
                    Email(
                        template=EMAIL_TEMPLATES[event.type],
                        to=recipient,
                        data=json.loads(event.data),
                        message_id=f"<{delivery.id}@emporium>",
                    )
                )
                return None
            case Channel.WEBHOOK:
                endpoint = needs.endpoints.get(UUID(delivery.target))
                if endpoint is None:
                    raise _Nowhere("the endpoint is deleted or disabled")
                # Signed with the endpoint's secrets as they are now; its webhook-id the
                # event id, the same on every attempt.
                now, body = n.clock.now(), envelope(event)
                headers = signed_headers(
                    endpoint.secrets(now), str(event.id), int(now.timestamp()), body
                )
                return await n.webhooks.post(endpoint.url, headers, body)


class _Nowhere(Exception):
    """Nothing to send the delivery to any more."""


class ListDeliveriesHandler:
    def __init__(self, notifications: Notifications) -> None:
        self._n = notifications

    async def __call__(self, cmd: ListDeliveries) -> list[Delivery]:
        cmd.actor.require_admin("read deliveries")
        query = DeliveryQuery(cmd.channel, cmd.target, cmd.status, cmd.limit)
        async with self._n.read_uow() as uow:
            return list(await uow.deliveries.list(query))


class RedeliverHandler:
    """An operator's retry of one delivery, from a fresh schedule."""

    def __init__(self, notifications: Notifications) -> None:
        self._n = notifications

    async def __call__(self, cmd: Redeliver) -> Delivery:
        cmd.actor.require_admin("redeliver")
        n = self._n
        async with n.uow() as uow:
            delivery = await uow.deliveries.get(cmd.delivery_id)
            endpoint = cmd.endpoint_id
            if delivery is None or (endpoint is not None and delivery.target != str(endpoint)):
                raise NotFound(f"No delivery {cmd.delivery_id}")
            delivery.redeliver(n.clock.now())
            await uow.deliveries.save(delivery, None)
            await uow.commit()
        return delivery
