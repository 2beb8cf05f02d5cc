from dataclasses import dataclass
from uuid import UUID

from domain.shared.events import DomainEvent


@dataclass(frozen=True, slots=True)
class OrderPlaced(DomainEvent):
    order_id: UUID
    customer_id: UUID
    total: str


@dataclass(frozen=True, slots=True)
class OrderPaid(DomainEvent):
    order_id: UUID
    charge_id: str


@dataclass(frozen=True, slots=True)
class PaymentDeclinedForOrder(DomainEvent):
    order_id: UUID
    attempt: int


@dataclass(frozen=True, slots=True)
class OrderShipped(DomainEvent):
    order_id: UUID
    tracking_number: str | None


@dataclass(frozen=True, slots=True)
class OrderDelivered(DomainEvent):
    order_id: UUID


@dataclass(frozen=True, slots=True)
class OrderCancelled(DomainEvent):
    order_id: UUID
    reason: str
    refund_due: bool


@dataclass(frozen=True, slots=True)
class PaymentRefunded(DomainEvent):
    payment_id: UUID
    order_id: UUID
    amount: str
    refund_id: str
