"""The catalog context in memory: unique SKUs, version checks, every filter and sort."""

from collections.abc import Callable, Collection, Sequence
from dataclasses import replace
from uuid import UUID

from adapters.memory.writes import Repositories, Writes
from application.catalog.ports import ProductQuery, sort_key
from domain.catalog import Product, Sku, SkuTaken, StockMovement
from domain.shared.aggregate import Aggregate
from domain.shared.errors import ConcurrentUpdate


def _detached(product: Product) -> Product:
    return replace(product, events=[])


def _matches(product: Product, query: ProductQuery) -> bool:
    text = (query.text or "").casefold()
    fields = (product.name, product.sku.value, product.description)
    return (
        (query.include_archived or product.is_active)
        and (query.in_stock is None or (product.stock > 0) == query.in_stock)
        and (query.min_price is None or query.min_price <= product.price)
        and (query.max_price is None or product.price <= query.max_price)
        and (not text or any(text in field.casefold() for field in fields))
    )


class MemoryProductRepository(Writes):
    def __init__(
        self, products: dict[UUID, Product], track: Callable[[Aggregate], None], *, writable: bool
    ) -> None:
        super().__init__(writable)
        self._products, self._track = products, track

    async def add(self, product: Product) -> None:
        await self.add_many([product])

    async def add_many(self, products: Sequence[Product]) -> None:
        self._check_writable()
        taken = {p.sku.key for p in self._products.values()}
        for product in products:
            if product.sku.key in taken:
                raise SkuTaken(f"SKU {product.sku} is in use already")
            taken.add(product.sku.key)
        for product in products:
            self._products[product.id] = _detached(product)
            self._track(product)

    async def get(self, product_id: UUID, *, for_update: bool = False) -> Product | None:
        return self._found(self._products.get(product_id))

    async def get_many(
        self, product_ids: Collection[UUID], *, for_update: bool = False
    ) -> Sequence[Product]:
        stored = (self._products.get(product_id) for product_id in sorted(set(product_ids)))
        return [product for p in stored if (product := self._found(p))]

    async def get_by_sku(self, sku: Sku) -> Product | None:
        return self._found(next((p for p in self._products.values() if p.sku.key == sku.key), None))

    async def get_many_by_sku(
        self, skus: Collection[Sku], *, for_update: bool = False
    ) -> Sequence[Product]:
        keys = {sku.key for sku in skus}
        return [
            product
            for stored in self._products.values()
            if stored.sku.key in keys and (product := self._found(stored))
        ]

    async def save(self, product: Product) -> None:
        await self.save_many([product])

    async def save_many(self, products: Sequence[Product]) -> None:
        self._check_writable()
        for product in products:
            stored = self._products.get(product.id)
            if stored is None or stored.version != product.version:
                raise ConcurrentUpdate("The product changed meanwhile; try again")
        for product in products:
            product.version += 1
            self._products[product.id] = _detached(product)
            self._track(product)

    async def list(self, query: ProductQuery) -> Sequence[Product]:
        def position(product: Product) -> tuple[object, UUID]:
            return sort_key(product, query.sort), product.id

        found = sorted(
            (p for p in self._products.values() if _matches(p, query)),
            key=position,
            reverse=query.sort.descending,
        )
        if query.after is not None:
            after = query.after
            found = [
                p
                for p in found
                if (position(p) < after if query.sort.descending else position(p) > after)
            ]
        return [product for p in found[: query.limit] if (product := self._found(p))]

    def _found(self, stored: Product | None) -> Product | None:
        if stored is None:
            return None
        product = _detached(stored)
        self._track(product)
        return product


class MemoryStockMovementRepository(Writes):
    def __init__(
        self,
        movements: dict[UUID, StockMovement],
        _track: Callable[[Aggregate], None],
        *,
        writable: bool,
    ) -> None:
        super().__init__(writable)
        self._movements = movements

    async def add(self, movement: StockMovement) -> None:
        await self.add_many([movement])

    async def add_many(self, movements: Sequence[StockMovement]) -> None:
        self._check_writable()
        self._movements.update((m.id, m) for m in movements)

    async def list_for_product(
        self, product_id: UUID, limit: int, after: tuple[int, UUID] | None
    ) -> Sequence[StockMovement]:
        found = sorted(
            (m for m in self._movements.values() if m.product_id == product_id),
            key=lambda m: m.sequence,
            reverse=True,
        )
        if after is not None:
            found = [m for m in found if m.sequence < after[0]]
        return found[:limit]


REPOSITORIES: Repositories = {
    "products": MemoryProductRepository,
    "stock_movements": MemoryStockMovementRepository,
}
