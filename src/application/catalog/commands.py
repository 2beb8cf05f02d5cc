"""What the catalog use cases take and give: frozen dataclasses."""

from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum
from uuid import UUID

from application.shared.actor import Actor
from application.shared.pages import Page
from domain.catalog import Product, StockMovement


class ProductSort(StrEnum):
    NEWEST = "-created_at"
    OLDEST = "created_at"
    CHEAPEST = "price"
    DEAREST = "-price"
    NAME = "name"
    NAME_DESC = "-name"

    @property
    def descending(self) -> bool:
        return self.value.startswith("-")

    @property
    def key(self) -> str:
        """The field the sort is by: created_at, price or name."""
        return self.value.lstrip("-")


# A page position: the sort key of the last product seen (a time, minor units or a
# case-folded name) and its id, which breaks ties.
SortKey = datetime | int | str


@dataclass(frozen=True, slots=True)
class Price:
    amount: str
    currency: str


@dataclass(frozen=True, slots=True)
class CreateProduct:
    actor: Actor
    sku: str
    name: str
    price: Price
    description: str = ""
    stock: int = 0


@dataclass(frozen=True, slots=True)
class GetProduct:
    actor: Actor
    product_id: UUID
    include_archived: bool = False


@dataclass(frozen=True, slots=True)
class GetProductBySku:
    actor: Actor
    sku: str
    include_archived: bool = False


@dataclass(frozen=True, slots=True)
class UpdateProduct:
    """A partial update: ``None`` leaves a field as it is. ``expected_versions``, when
    given, must hold the product's current version (HTTP's ``If-Match`` may name several;
    an empty set matches none)."""

    actor: Actor
    product_id: UUID
    name: str | None = None
    description: str | None = None
    price: Price | None = None
    is_active: bool | None = None
    expected_versions: frozenset[int] | None = None


@dataclass(frozen=True, slots=True)
class AdjustStock:
    actor: Actor
    product_id: UUID
    delta: int
    reason: str


@dataclass(frozen=True, slots=True)
class ArchiveProduct:
    actor: Actor
    product_id: UUID


@dataclass(frozen=True, slots=True)
class ListProducts:
    actor: Actor
    text: str | None = None
    min_price: str | None = None  # amounts in the store's currency
    max_price: str | None = None
    in_stock: bool | None = None
    include_archived: bool = False
    sort: ProductSort = ProductSort.NEWEST
    limit: int = 20
    after: tuple[SortKey, UUID] | None = None


@dataclass(frozen=True, slots=True)
class ListStockMovements:
    actor: Actor
    product_id: UUID
    limit: int = 20
    after: tuple[int, UUID] | None = None  # a movement's sequence number, and its id


ProductPage = Page[Product, tuple[SortKey, UUID]]
MovementPage = Page[StockMovement, tuple[int, UUID]]
