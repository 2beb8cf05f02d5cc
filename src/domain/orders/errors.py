from collections.abc import Mapping
from uuid import UUID

from domain.shared.errors import Conflict, InvalidInput, PaymentFailed


class InvalidTransition(Conflict):
    code = "invalid_transition"
    title = "Invalid transition"


class OutOfStock(Conflict):
    code = "out_of_stock"
    title = "Out of stock"

    def __init__(self, left: Mapping[str, int]) -> None:
        """``left``: what is left of each short SKU."""
        self.left = dict(left)
        super().__init__("; ".join(f"Only {n} left of SKU {sku}" for sku, n in left.items()))


class UnknownProduct(InvalidInput):
    code = "unknown_product"
    title = "Unknown product"

    def __init__(self, product_ids: list[UUID]) -> None:
        self.product_ids = product_ids
        names = ", ".join(map(str, product_ids))
        super().__init__(f"No product on sale with id {names}")


class PaymentDeclined(PaymentFailed):
    code = "payment_declined"
    title = "Payment declined"


class PaymentInProgress(Conflict):
    """Another payment attempt on the order awaits the gateway's answer."""

    code = "payment_in_progress"
    title = "Payment in progress"
    # Seconds a client should wait before asking again: an attempt usually ends in one.
    retry_after = 2


class TooManyPendingOrders(Conflict):
    code = "too_many_pending_orders"
    title = "Too many orders awaiting payment"


class IdempotencyKeyReused(InvalidInput):
    code = "idempotency_key_reused"
    title = "Idempotency key reused"


class IdempotencyInProgress(Conflict):
    code = "idempotency_in_progress"
    title = "Request in progress"
