"""A payment attempt on an order: a payment intent. It is claimed (``pending``) before
the gateway is asked, under the order's lock, and its id is the gateway's idempotency
key; the gateway's answer is then recorded on it. Its moves are one table."""

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum
from uuid import UUID

from domain.orders.errors import InvalidTransition, PaymentInProgress
from domain.orders.events import PaymentRefunded
from domain.shared.aggregate import Aggregate
from domain.shared.money import Money


class PaymentStatus(StrEnum):
    # Claimed: the gateway is being asked, or its answer was never recorded (a crash).
    PENDING = "pending"
    SUCCEEDED = "succeeded"
    DECLINED = "declined"
    # Nothing was charged: the gateway refused the request, or has no charge for it.
    FAILED = "failed"
    # The money is due back (the order was cancelled, or could no longer be paid).
    REFUND_PENDING = "refund_pending"
    REFUNDED = "refunded"


# The only legal moves: from -> to. A failed attempt whose charge turns up after all
# (a slow gateway, found by reconciliation) is charged: the money is kept or given back.
_MOVES: dict[PaymentStatus, frozenset[PaymentStatus]] = {
    PaymentStatus.PENDING: frozenset(
        {
            PaymentStatus.SUCCEEDED,
            PaymentStatus.DECLINED,
            PaymentStatus.FAILED,
            PaymentStatus.REFUND_PENDING,
        }
    ),
    PaymentStatus.FAILED: frozenset({PaymentStatus.SUCCEEDED, PaymentStatus.REFUND_PENDING}),
    PaymentStatus.SUCCEEDED: frozenset({PaymentStatus.REFUND_PENDING}),
    PaymentStatus.REFUND_PENDING: frozenset({PaymentStatus.REFUNDED}),
}


@dataclass(eq=False, slots=True)
class Payment(Aggregate):
    """One charge attempt on an order, and its refund."""

    id: UUID
    order_id: UUID
    attempt: int
    amount: Money
    status: PaymentStatus
    charge_id: str | None
    created_at: datetime
    updated_at: datetime
    refund_id: str | None = None

    @classmethod
    def claim(
        cls, *, id: UUID, order_id: UUID, amount: Money, earlier: Sequence["Payment"], now: datetime
    ) -> "Payment":
        """The order's next attempt, after its ``earlier`` ones; one at a time."""
        if any(p.status is PaymentStatus.PENDING for p in earlier):
            raise PaymentInProgress("Another payment of this order is in progress; retry shortly")
        return cls(id, order_id, len(earlier) + 1, amount, PaymentStatus.PENDING, None, now, now)

    @property
    def idempotency_key(self) -> str:
        """The gateway's key for this attempt's charge: one attempt, one charge at most."""
        return str(self.id)

    @property
    def awaits_charge(self) -> bool:
        """No charge is on record for it yet: one the gateway made is still to be recorded."""
        return self.status in (PaymentStatus.PENDING, PaymentStatus.FAILED)

    def charged(self, charge_id: str, now: datetime, *, keep: bool) -> None:
        """The gateway took the money: kept, or due back when the order can no longer be
        paid (cancelled or paid meanwhile)."""
        self._move(PaymentStatus.SUCCEEDED if keep else PaymentStatus.REFUND_PENDING, now)
        self.charge_id = charge_id

    def declined(self, now: datetime) -> None:
        self._move(PaymentStatus.DECLINED, now)

    def failed(self, now: datetime) -> None:
        self._move(PaymentStatus.FAILED, now)

    def refund_due(self, now: datetime) -> None:
        self._move(PaymentStatus.REFUND_PENDING, now)

    def refunded(self, refund_id: str, now: datetime) -> None:
        self._move(PaymentStatus.REFUNDED, now)
        self.refund_id = refund_id
        self.record(PaymentRefunded(self.id, self.order_id, self.amount.amount, refund_id))

    def _move(self, to: PaymentStatus, now: datetime) -> None:
        if to not in _MOVES.get(self.status, frozenset()):
            raise InvalidTransition(f"A {self.status.value} payment cannot become {to.value}")
        self.status, self.updated_at = to, now
