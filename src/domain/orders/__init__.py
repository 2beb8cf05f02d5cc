from domain.orders.address import Address
from domain.orders.errors import (
    IdempotencyInProgress,
    IdempotencyKeyReused,
    InvalidTransition,
    OutOfStock,
    PaymentDeclined,
    UnknownProduct,
)
from domain.orders.order import (
    MAX_LINES,
    MAX_QUANTITY,
    TRANSITIONS,
    CancellationReason,
    Move,
    Order,
    OrderLine,
    OrderStatus,
)
from domain.orders.payment import Payment, PaymentStatus

__all__ = [
    "MAX_LINES",
    "MAX_QUANTITY",
    "TRANSITIONS",
    "Address",
    "CancellationReason",
    "IdempotencyInProgress",
    "IdempotencyKeyReused",
    "InvalidTransition",
    "Move",
    "Order",
    "OrderLine",
    "OrderStatus",
    "OutOfStock",
    "Payment",
    "PaymentDeclined",
    "PaymentStatus",
    "UnknownProduct",
]
