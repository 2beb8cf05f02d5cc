"""The shop's public events: which domain event becomes which event type, and the
snapshot each carries (the document the API answers for its subject, as it stands at
commit). ``../shared/API.md`` lists them; receivers depend on these names."""

from collections.abc import Iterable
from typing import Any

from application.notifications.shared import PING
from application.shared.outbox import PublicEvent
from domain.catalog import Product
from domain.catalog.events import (
    ProductArchived,
    ProductCreated,
    ProductDetailsChanged,
    ProductRepriced,
    StockAdjusted,
)
from domain.notifications import WebhookEndpoint
from domain.notifications.events import WebhookDisabled, WebhookPinged
from domain.orders import Order, Payment
from domain.orders.events import (
    OrderCancelled,
    OrderDelivered,
    OrderPaid,
    OrderPlaced,
    OrderShipped,
    PaymentDeclinedForOrder,
    PaymentRefunded,
)
from domain.shared.aggregate import Aggregate
from domain.shared.events import DomainEvent
from domain.users import User
from domain.users.events import (
    PasswordChanged,
    RoleChanged,
    UserActivated,
    UserDeactivated,
    UserRegistered,
)
from entrypoints.documents import (
    money_document,
    order_document,
    product_document,
    to_json,
    user_document,
    webhook_document,
)

_TYPES: dict[type[DomainEvent], str] = {
    OrderPlaced: "order.placed",
    OrderPaid: "order.paid",
    PaymentDeclinedForOrder: "order.payment_declined",
    OrderShipped: "order.shipped",
    OrderDelivered: "order.delivered",
    OrderCancelled: "order.cancelled",
    PaymentRefunded: "payment.refunded",
    ProductCreated: "product.created",
    ProductRepriced: "product.updated",
    ProductDetailsChanged: "product.updated",
    ProductArchived: "product.archived",
    UserRegistered: "user.registered",
    PasswordChanged: "user.password_changed",
    RoleChanged: "user.updated",
    UserActivated: "user.updated",
    UserDeactivated: "user.updated",
    WebhookDisabled: "webhook.disabled",
    WebhookPinged: PING,
}

# Every type the outbox holds; and those endpoints may subscribe to (a ping goes to the
# pinged endpoint only).
OUTBOX_TYPES = frozenset(_TYPES.values()) | {"stock.low"}
EVENT_TYPES = OUTBOX_TYPES - {PING}


def _payment_document(payment: Payment) -> dict[str, Any]:
    return {
        "id": str(payment.id),
        "order_id": str(payment.order_id),
        "amount": money_document(payment.amount),
        "status": payment.status.value,
        "refund_id": payment.refund_id,
        "updated_at": payment.updated_at,
    }


class PublicEvents:
    """``describe`` for the outbox. A stock adjustment is public only when it takes a
    product's stock to ``low_stock`` or below from above it (``stock.low``); the rest of
    the stock's life shows in the orders and the products' own events."""

    def __init__(self, low_stock: int) -> None:
        self._low_stock = low_stock

    def __call__(self, aggregate: Aggregate, event: DomainEvent) -> Iterable[PublicEvent]:
        if isinstance(event, StockAdjusted):
            before = event.stock_after - event.delta
            if not event.stock_after <= self._low_stock < before:
                return ()
            kind = "stock.low"
        else:
            kind = _TYPES[type(event)]
        return (_public(kind, aggregate),)


def _public(kind: str, aggregate: Aggregate) -> PublicEvent:
    match aggregate:
        case Order() as order:
            return PublicEvent(kind, order.id, order.version, _json(order_document(order)))
        case Payment() as payment:
            # Its subject is its order, so that a refund reaches a receiver after the
            # cancellation that caused it; a payment has no version of its own.
            return PublicEvent(kind, payment.order_id, None, _json(_payment_document(payment)))
        case Product() as product:
            return PublicEvent(kind, product.id, product.version, _json(product_document(product)))
        case User() as user:
            return PublicEvent(kind, user.id, user.version, _json(user_document(user)))
        case WebhookEndpoint() as endpoint:
            document = webhook_document(endpoint)
            return PublicEvent(kind, endpoint.id, endpoint.version, _json(document))
    raise TypeError(f"no public events for {type(aggregate).__name__}")


def _json(document: dict[str, Any]) -> str:
    return to_json(document).decode()
