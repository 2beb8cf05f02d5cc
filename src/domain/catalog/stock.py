from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum
from uuid import UUID

REASON_MAX_LENGTH = 500


class MovementKind(StrEnum):
    ADJUSTMENT = "adjustment"
    IMPORT = "import"
    ORDER_RESERVATION = "order_reservation"
    ORDER_RELEASE = "order_release"


@dataclass(frozen=True, slots=True)
class StockMovement:
    """One change of a product's stock, in the ledger: the sum of a product's movements
    is its stock. ``sequence`` numbers a product's movements 1, 2, 3… in the order they
    changed the stock: each one's ``stock_after - delta`` is the one before's
    ``stock_after``."""

    id: UUID
    product_id: UUID
    sequence: int
    delta: int
    stock_after: int
    kind: MovementKind
    reason: str
    actor_id: UUID | None
    order_id: UUID | None
    created_at: datetime
