from dataclasses import dataclass
from uuid import UUID

from domain.shared.events import DomainEvent


@dataclass(frozen=True, slots=True)
class ProductCreated(DomainEvent):
    product_id: UUID
    sku: str
    price: str


@dataclass(frozen=True, slots=True)
class ProductDetailsChanged(DomainEvent):
    """Its name or description, or it is on sale again."""

    product_id: UUID


@dataclass(frozen=True, slots=True)
class ProductRepriced(DomainEvent):
    product_id: UUID
    price: str


@dataclass(frozen=True, slots=True)
class StockAdjusted(DomainEvent):
    product_id: UUID
    delta: int
    stock_after: int
    kind: str


@dataclass(frozen=True, slots=True)
class ProductArchived(DomainEvent):
    product_id: UUID
