from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum
from uuid import UUID

from domain.shared.money import Money


class PaymentStatus(StrEnum):
    SUCCEEDED = "succeeded"
    DECLINED = "declined"
    # The money is due back (the order was cancelled); the gateway has not said yes yet.
    REFUND_PENDING = "refund_pending"
    REFUNDED = "refunded"


@dataclass(eq=False, slots=True)
class Payment:
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

    def refund_due(self, now: datetime) -> None:
        if self.status is PaymentStatus.SUCCEEDED:
            self.status, self.updated_at = PaymentStatus.REFUND_PENDING, now

    def refunded(self, refund_id: str, now: datetime) -> None:
        self.status, self.refund_id, self.updated_at = PaymentStatus.REFUNDED, refund_id, now
