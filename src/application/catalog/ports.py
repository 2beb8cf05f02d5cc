"""What the catalog use cases need from the outside world, in domain terms only."""

from collections.abc import Collection, Sequence
from dataclasses import dataclass
from typing import Protocol
from uuid import UUID

from application.catalog.commands import ProductSort, SortKey
from application.shared.ports import ReadOnlyUnitOfWork, UnitOfWork
from domain.catalog import Product, Sku, StockMovement
from domain.shared.money import Money


@dataclass(frozen=True, slots=True)
class ProductQuery:
    """A page of products: filters, one sort, and the position after which it starts."""

    text: str | None = None
    min_price: Money | None = None
    max_price: Money | None = None
    in_stock: bool | None = None
    include_archived: bool = False
    sort: ProductSort = ProductSort.NEWEST
    limit: int = 20
    after: tuple[SortKey, UUID] | None = None


def sort_key(product: Product, sort: ProductSort) -> SortKey:
    """The value a product is ordered by (names case-folded, so "apple" and "Apple" sit
    together); the id breaks ties."""
    if sort.key == "price":
        return product.price.minor
    if sort.key == "name":
        return product.name.casefold()
    return product.created_at


class ProductRepository(Protocol):
    async def add(self, product: Product) -> None:
        """Raises SkuTaken when another product has the SKU, whatever its case."""

    async def get(self, product_id: UUID, *, for_update: bool = False) -> Product | None: ...

    async def get_many(
        self, product_ids: Collection[UUID], *, for_update: bool = False
    ) -> Sequence[Product]:
        """The products of ``product_ids`` there are, in id order: locked in that order
        ``for_update``, so transactions locking several never deadlock."""

    async def add_many(self, products: Sequence[Product]) -> None:
        """All or none: SkuTaken when any SKU is taken."""

    async def get_by_sku(self, sku: Sku) -> Product | None: ...

    async def get_many_by_sku(
        self, skus: Collection[Sku], *, for_update: bool = False
    ) -> Sequence[Product]:
        """The products that have one of ``skus`` (whatever its case), in no order."""

    async def save(self, product: Product) -> None:
        """Writes the product if nobody changed it since it was read (ConcurrentUpdate if
        so) and advances its ``version``."""

    async def save_many(self, products: Sequence[Product]) -> None:
        """``save`` for many products at once, read ``for_update``."""

    async def list(self, query: ProductQuery) -> Sequence[Product]:
        """At most ``query.limit`` products in the query's order, after ``query.after``."""


class StockMovementRepository(Protocol):
    async def add(self, movement: StockMovement) -> None: ...

    async def add_many(self, movements: Sequence[StockMovement]) -> None: ...

    async def list_for_product(
        self, product_id: UUID, limit: int, after: tuple[int, UUID] | None
    ) -> Sequence[StockMovement]:
        """Newest first: by ``sequence``, below ``after``'s."""


class CatalogReader(ReadOnlyUnitOfWork, Protocol):
    products: ProductRepository
    stock_movements: StockMovementRepository


class CatalogUnitOfWork(CatalogReader, UnitOfWork, Protocol): ...
