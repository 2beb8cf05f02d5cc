"""What the order use cases take and give: frozen dataclasses."""

from dataclasses import dataclass
from datetime import datetime
from uuid import UUID

from application.shared.actor import Actor
from application.shared.pages import Page
from domain.orders import Order, OrderStatus


@dataclass(frozen=True, slots=True)
class IdempotencyKey:
    """A client's key for one request, and the fingerprint of what it asked (a replay
    must ask the same)."""

    key: str
    fingerprint: str


@dataclass(frozen=True, slots=True)
class Replay:
    """The answer first given to a request with the same key: given again, as it was."""

    body: bytes


@dataclass(frozen=True, slots=True)
class LineRequest:
    product_id: UUID
    quantity: int


@dataclass(frozen=True, slots=True)
class AddressRequest:
    name: str
    line1: str
    city: str
    postal_code: str
    country: str
    line2: str = ""


@dataclass(frozen=True, slots=True)
class PlaceOrder:
    actor: Actor
    lines: tuple[LineRequest, ...]
    shipping_address: AddressRequest
    idempotency: IdempotencyKey | None = None


@dataclass(frozen=True, slots=True)
class GetOrder:
    actor: Actor
    order_id: UUID


@dataclass(frozen=True, slots=True)
class ListOrders:
    """Customers see their own orders; admins everyone's, or one customer's."""

    actor: Actor
    status: OrderStatus | None = None
    customer_id: UUID | None = None
    limit: int = 20
    after: tuple[datetime, UUID] | None = None


@dataclass(frozen=True, slots=True)
class PayOrder:
    actor: Actor
    order_id: UUID
    payment_token: str
    idempotency: IdempotencyKey | None = None


@dataclass(frozen=True, slots=True)
class CancelOrder:
    actor: Actor
    order_id: UUID


@dataclass(frozen=True, slots=True)
class ShipOrder:
    actor: Actor
    order_id: UUID
    tracking_number: str | None = None


@dataclass(frozen=True, slots=True)
class DeliverOrder:
    actor: Actor
    order_id: UUID


OrderPage = Page[Order, tuple[datetime, UUID]]


@dataclass(frozen=True, slots=True)
class Upkept:
    """What one round of upkeep did."""

    expired_orders: int
    payments_reconciled: int
    refunds_settled: int
    keys_forgotten: int
