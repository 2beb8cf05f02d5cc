from domain.orders.address import Address
from domain.orders.errors import (
    IdempotencyInProgress,
    IdempotencyKeyReused,
    InvalidTransition,
    OutOfStock,
    PaymentDeclined,
    PaymentInProgress,
    TooManyPendingOrders,
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
    check_room_to_hold,
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
    "PaymentInProgress",
    "PaymentStatus",
    "TooManyPendingOrders",
    "UnknownProduct",
    "check_room_to_hold",
]
