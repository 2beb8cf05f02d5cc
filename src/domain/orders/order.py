"""The order: what was bought, at what price, and where it stands. Its moves are one
table, ``TRANSITIONS``; anything else is refused."""

from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum
from uuid import UUID

from domain.orders.address import Address
from domain.orders.errors import InvalidTransition, TooManyPendingOrders
from domain.orders.events import (
    OrderCancelled,
    OrderDelivered,
    OrderPaid,
    OrderPlaced,
    OrderShipped,
    PaymentDeclinedForOrder,
)
from domain.shared.aggregate import Aggregate
from domain.shared.errors import InvalidValue
from domain.shared.money import MAX_MINOR, Money
from domain.shared.text import clean_text

MAX_LINES = 50
MAX_QUANTITY = 1000
TRACKING_NUMBER_MAX_LENGTH = 100


class OrderStatus(StrEnum):
    PENDING_PAYMENT = "pending_payment"
    PAID = "paid"
    SHIPPED = "shipped"
    DELIVERED = "delivered"
    CANCELLED = "cancelled"


class Move(StrEnum):
    PAY = "pay"
    SHIP = "ship"
    DELIVER = "deliver"
    CANCEL = "cancel"


# The only legal moves: (from, move) -> to.
TRANSITIONS: dict[tuple[OrderStatus, Move], OrderStatus] = {
    (OrderStatus.PENDING_PAYMENT, Move.PAY): OrderStatus.PAID,
    (OrderStatus.PAID, Move.SHIP): OrderStatus.SHIPPED,
    (OrderStatus.SHIPPED, Move.DELIVER): OrderStatus.DELIVERED,
    (OrderStatus.PENDING_PAYMENT, Move.CANCEL): OrderStatus.CANCELLED,
    (OrderStatus.PAID, Move.CANCEL): OrderStatus.CANCELLED,
}


class CancellationReason(StrEnum):
    CUSTOMER = "customer"
    ADMIN = "admin"
    PAYMENT_TIMEOUT = "payment_timeout"


@dataclass(frozen=True, slots=True)
class OrderLine:
    """One product of an order, as it was when the order was placed."""

    product_id: UUID
    sku: str
    name: str
    unit_price: Money
    quantity: int

    def __post_init__(self) -> None:
        if not 1 <= self.quantity <= MAX_QUANTITY:
            raise InvalidValue("quantity", f"A quantity is 1 to {MAX_QUANTITY}")

    @property
    def line_total(self) -> Money:
        return self.unit_price * self.quantity


def clean_tracking_number(tracking_number: str) -> str:
    return clean_text("tracking_number", tracking_number, longest=TRACKING_NUMBER_MAX_LENGTH)


def total_of(lines: tuple[OrderLine, ...]) -> Money:
    """The sum of the line totals; refuses mixed currencies."""
    total = Money.zero(lines[0].unit_price.currency)
    for line in lines:
        total += line.line_total
    return total


def check_lines(lines: tuple[OrderLine, ...]) -> None:
    """1 to 50 lines, a product at most once, all in one currency, and a total no larger
    than any amount (50 lines of 1,000 at the dearest price would not fit 64 bits)."""
    if not 1 <= len(lines) <= MAX_LINES:
        raise InvalidValue("lines", f"An order has 1 to {MAX_LINES} lines")
    if len({line.product_id for line in lines}) != len(lines):
        raise InvalidValue("lines", "A product appears at most once in an order")
    if total_of(lines).minor > MAX_MINOR:
        raise InvalidValue(
            "lines",
            f"An order's total is at most {Money(MAX_MINOR, lines[0].unit_price.currency).amount}",
        )


def check_room_to_hold(pending_orders: int, max_pending: int) -> None:
    """A customer holds at most ``max_pending`` orders unpaid: each keeps its stock from
    every other buyer until it is paid or its time is up."""
    if pending_orders >= max_pending:
        raise TooManyPendingOrders(
            f"You have {pending_orders} orders awaiting payment, the most allowed: "
            "pay or cancel one first"
        )


@dataclass(eq=False, slots=True)
class Order(Aggregate):
    id: UUID
    customer_id: UUID
    lines: tuple[OrderLine, ...]
    shipping_address: Address
    status: OrderStatus
    created_at: datetime
    updated_at: datetime
    payment_expires_at: datetime | None = None
    paid_at: datetime | None = None
    shipped_at: datetime | None = None
    delivered_at: datetime | None = None
    cancelled_at: datetime | None = None
    cancellation_reason: CancellationReason | None = None
    tracking_number: str | None = None
    # Declined charges so far: the next charge is a new attempt, with its own key.
    payment_attempts: int = 0
    version: int = 1

    @classmethod
    def place(
        cls,
        *,
        id: UUID,
        customer_id: UUID,
        lines: tuple[OrderLine, ...],
        shipping_address: Address,
        now: datetime,
        payment_timeout: timedelta,
    ) -> "Order":
        """A new order, waiting ``payment_timeout`` for its payment. Its stock is the
        caller's to reserve, in the same transaction."""
        check_lines(lines)
        order = cls(
            id=id,
            customer_id=customer_id,
            lines=lines,
            shipping_address=shipping_address,
            status=OrderStatus.PENDING_PAYMENT,
            created_at=now,
            updated_at=now,
            payment_expires_at=now + payment_timeout,
        )
        order.record(OrderPlaced(id, customer_id, order.total.amount))
        return order

    @property
    def total(self) -> Money:
        return total_of(self.lines)

    def can(self, move: Move) -> bool:
        return (self.status, move) in TRANSITIONS

    def is_payable(self, now: datetime) -> bool:
        """Pending, and its payment time not up."""
        return (
            self.can(Move.PAY)
            and self.payment_expires_at is not None
            and now < self.payment_expires_at
        )

    def is_expired(self, now: datetime) -> bool:
        """Pending with its payment time up: its stock is due back."""
        return (
            self.can(Move.PAY)
            and self.payment_expires_at is not None
            and now >= self.payment_expires_at
        )

    def pay(self, charge_id: str, now: datetime) -> None:
        self._move(Move.PAY, now)
        self.paid_at, self.payment_expires_at = now, None
        self.record(OrderPaid(self.id, charge_id))

    def payment_declined(self, now: datetime) -> None:
        if not self.can(Move.PAY):
            raise self._refusal(Move.PAY)
        self.payment_attempts += 1
        self.updated_at = now
        self.record(PaymentDeclinedForOrder(self.id, self.payment_attempts))

    def ship(self, tracking_number: str | None, now: datetime) -> None:
        cleaned = clean_tracking_number(tracking_number) if tracking_number is not None else None
        self._move(Move.SHIP, now)
        self.shipped_at, self.tracking_number = now, cleaned
        self.record(OrderShipped(self.id, cleaned))

    def deliver(self, now: datetime) -> None:
        self._move(Move.DELIVER, now)
        self.delivered_at = now
        self.record(OrderDelivered(self.id))

    def cancel(self, reason: CancellationReason, now: datetime) -> bool:
        """Cancels the order; its stock is the caller's to release. Answers whether it
        was paid, so its payment is due back."""
        was_paid = self.status is OrderStatus.PAID
        self._move(Move.CANCEL, now)
        self.cancelled_at, self.cancellation_reason = now, reason
        self.payment_expires_at = None
        self.record(OrderCancelled(self.id, reason.value, was_paid))
        return was_paid

    def _move(self, move: Move, now: datetime) -> None:
        to = TRANSITIONS.get((self.status, move))
        if to is None:
            raise self._refusal(move)
        self.status, self.updated_at = to, now

    def _refusal(self, move: Move) -> InvalidTransition:
        return InvalidTransition(f"A {self.status.value} order cannot {move.value}")
