"""What the notifications use cases share: their ports, and the places events go."""

import json
from collections.abc import Callable
from datetime import timedelta

from application.notifications.ports import (
    Broker,
    Mailer,
    NotificationsReader,
    NotificationsUnitOfWork,
    WebhookClient,
)
from application.shared.outbox import OutboxEvent
from application.shared.ports import Clock, IdGenerator
from domain.notifications import Delivery, RetrySchedule

# The Standard Webhooks schedule, which mail follows too: a retry after 5 s, 5 min,
# 30 min, 2 h, 5 h, 10 h and 10 h, then the delivery fails for good (a day and a half).
RETRIES = RetrySchedule(
    tuple(
        timedelta(seconds=s) for s in (5, 5 * 60, 30 * 60, 2 * 3600, 5 * 3600, 10 * 3600, 10 * 3600)
    )
)
# The broker is the shop's own: an outage delays events, never drops one.
BROKER_RETRIES = RetrySchedule(tuple(timedelta(seconds=s) for s in (1, 2, 5, 10, 30)), endless=True)

# The emails the shop sends, by the event that causes them: to the order's customer, the
# account's owner, or (webhook.disabled) every admin.
EMAIL_TEMPLATES = {
    "webhook.disabled": "webhook_disabled",
    "order.placed": "order_placed",
    "order.paid": "order_paid",
    "order.shipped": "order_shipped",
    "order.delivered": "order_delivered",
    "order.cancelled": "order_cancelled",
    "user.password_changed": "password_changed",
}


# An admin's test event: to the pinged endpoint alone, whatever it subscribes to.
PING = "webhook.ping"


def envelope(event: OutboxEvent) -> str:
    """What a receiver gets of an event (a webhook's body, a broker message's): its
    type, when it happened and its snapshot, as the Standard Webhooks payload has it."""
    timestamp = event.occurred_at.isoformat().replace("+00:00", "Z")
    return f'{{"type":{json.dumps(event.type)},"timestamp":"{timestamp}","data":{event.data}}}'


class Notifications:
    """The ports every notifications use case shares. ``broker`` is None when the shop
    has none; ``event_types`` are those endpoints may ask for; ``https_only`` refuses
    plain-http endpoints (production); ``retry_scale`` shrinks the retry schedules (for
    tests); ``attempted`` hears each delivery's outcome after an attempt, and whether it
    was tried (not abandoned for want of somewhere to go): the metrics count them."""

    def __init__(
        self,
        *,
        uow: Callable[[], NotificationsUnitOfWork],
        read_uow: Callable[[], NotificationsReader],
        ids: IdGenerator,
        clock: Clock,
        mailer: Mailer,
        broker: Broker | None,
        webhooks: WebhookClient,
        event_types: frozenset[str],
        https_only: bool = False,
        retry_scale: float = 1.0,
        lease: timedelta = timedelta(seconds=60),
        attempted: Callable[[Delivery, bool], None] = lambda delivery, tried: None,
    ) -> None:
        self.uow, self.read_uow, self.ids, self.clock = uow, read_uow, ids, clock
        self.mailer, self.broker, self.webhooks, self.lease = mailer, broker, webhooks, lease
        self.event_types, self.https_only, self.attempted = event_types, https_only, attempted
        self.retries = RETRIES.scaled(retry_scale)
        self.broker_retries = BROKER_RETRIES.scaled(retry_scale)
