"""Use cases of the catalog: products, their prices and their stock."""

from application.catalog.commands import (
    AdjustStock,
    ArchiveProduct,
    CreateProduct,
    GetProduct,
    GetProductBySku,
    ListProducts,
    ListStockMovements,
    MovementPage,
    Price,
    ProductPage,
    UpdateProduct,
)
from application.catalog.ports import ProductQuery, sort_key
from application.catalog.shared import Catalog
from application.shared.actor import Actor
from application.shared.pages import split_page
from domain.catalog import MovementKind, Product, Sku, VersionMismatch
from domain.shared.errors import NotFound
from domain.shared.money import Currency, Money

INITIAL_STOCK_REASON = "initial stock"


def _money(price: Price, field: str) -> Money:
    return Money.parse(price.amount, Currency(price.currency), field=field)


def _not_found(product_id: object) -> NotFound:
    return NotFound(f"No product {product_id}")


def _may_see(actor: Actor, include_archived: bool) -> None:
    if include_archived:
        actor.require_admin("see archived products")


class CreateProductHandler:
    def __init__(self, catalog: Catalog) -> None:
        self._catalog = catalog

    async def __call__(self, cmd: CreateProduct) -> Product:
        cmd.actor.require_admin("add products")
        catalog, now = self._catalog, self._catalog.clock.now()
        product = Product.create(
            id=catalog.ids.new_id(),
            sku=Sku.parse(cmd.sku),
            name=cmd.name,
            description=cmd.description,
            price=_money(cmd.price, "price"),
            store_currency=catalog.store_currency,
            now=now,
        )
        movement = None
        if cmd.stock:
            movement = product.adjust_stock(
                cmd.stock,
                movement_id=catalog.ids.new_id(),
                kind=MovementKind.ADJUSTMENT,
                reason=INITIAL_STOCK_REASON,
                now=now,
                actor_id=cmd.actor.user_id,
            )
        async with catalog.uow() as uow:
            await uow.products.add(product)
            if movement is not None:
                await uow.stock_movements.add(movement)
            await uow.commit()
        return product


class GetProductHandler:
    def __init__(self, catalog: Catalog) -> None:
        self._catalog = catalog

    async def __call__(self, query: GetProduct) -> Product:
        _may_see(query.actor, query.include_archived)
        async with self._catalog.read_uow() as uow:
            product = await uow.products.get(query.product_id)
        return _visible(product, query.include_archived, query.product_id)


class GetProductBySkuHandler:
    def __init__(self, catalog: Catalog) -> None:
        self._catalog = catalog

    async def __call__(self, query: GetProductBySku) -> Product:
        _may_see(query.actor, query.include_archived)
        sku = Sku.parse(query.sku)
        async with self._catalog.read_uow() as uow:
            product = await uow.products.get_by_sku(sku)
        return _visible(product, query.include_archived, sku)


def _visible(product: Product | None, include_archived: bool, key: object) -> Product:
    # An archived product is not there, for those who may not see archived ones.
    if product is None or not (product.is_active or include_archived):
        raise _not_found(key)
    return product


class UpdateProductHandler:
    def __init__(self, catalog: Catalog) -> None:
        self._catalog = catalog

    async def __call__(self, cmd: UpdateProduct) -> Product:
        cmd.actor.require_admin("change products")
        catalog, now = self._catalog, self._catalog.clock.now()
        price = _money(cmd.price, "price") if cmd.price is not None else None
        async with catalog.uow() as uow:
            product = await uow.products.get(cmd.product_id, for_update=True)
            if product is None:
                raise _not_found(cmd.product_id)
            expected = cmd.expected_versions
            if expected is not None and product.version not in expected:
                raise VersionMismatch(
                    f"The product is at version {product.version}, "
                    f"not {', '.join(map(str, sorted(expected))) or 'the one given'}"
                )
            if cmd.name is not None:
                product.rename(cmd.name, now)
            if cmd.description is not None:
                product.describe(cmd.description, now)
            if price is not None:
                product.reprice(price, catalog.store_currency, now)
            if cmd.is_active is True:
                product.activate(now)
            elif cmd.is_active is False:
                product.archive(now)
            if _changes_anything(cmd):  # an empty update is a read: no new version
                await uow.products.save(product)
                await uow.commit()
        return product


def _changes_anything(cmd: UpdateProduct) -> bool:
    return any(v is not None for v in (cmd.name, cmd.description, cmd.price, cmd.is_active))


class AdjustStockHandler:
    def __init__(self, catalog: Catalog) -> None:
        self._catalog = catalog

    async def __call__(self, cmd: AdjustStock) -> Product:
        cmd.actor.require_admin("adjust stock")
        catalog = self._catalog
        async with catalog.uow() as uow:
            # Locked, so concurrent adjustments queue instead of losing one another.
            product = await uow.products.get(cmd.product_id, for_update=True)
            if product is None:
                raise _not_found(cmd.product_id)
            movement = product.adjust_stock(
                cmd.delta,
                movement_id=catalog.ids.new_id(),
                kind=MovementKind.ADJUSTMENT,
                reason=cmd.reason,
                now=catalog.clock.now(),
                actor_id=cmd.actor.user_id,
            )
            await uow.products.save(product)
            await uow.stock_movements.add(movement)
            await uow.commit()
        return product


class ArchiveProductHandler:
    def __init__(self, catalog: Catalog) -> None:
        self._catalog = catalog

    async def __call__(self, cmd: ArchiveProduct) -> None:
        cmd.actor.require_admin("archive products")
        async with self._catalog.uow() as uow:
            product = await uow.products.get(cmd.product_id, for_update=True)
            if product is None:
                raise _not_found(cmd.product_id)
            product.archive(self._catalog.clock.now())
            await uow.products.save(product)
            await uow.commit()


class ListProductsHandler:
    def __init__(self, catalog: Catalog) -> None:
        self._catalog = catalog

    async def __call__(self, cmd: ListProducts) -> ProductPage:
        _may_see(cmd.actor, cmd.include_archived)
        query = ProductQuery(
            text=cmd.text,
            min_price=self._amount(cmd.min_price, "min_price"),
            max_price=self._amount(cmd.max_price, "max_price"),
            in_stock=cmd.in_stock,
            include_archived=cmd.include_archived,
            sort=cmd.sort,
            limit=cmd.limit + 1,  # one more tells whether there is a next page
            after=cmd.after,
        )
        async with self._catalog.read_uow() as uow:
            found = await uow.products.list(query)
        return split_page(found, cmd.limit, lambda p: (sort_key(p, cmd.sort), p.id))

    def _amount(self, amount: str | None, field: str) -> Money | None:
        if amount is None:
            return None
        return Money.parse(amount, self._catalog.store_currency, field=field)


class ListStockMovementsHandler:
    def __init__(self, catalog: Catalog) -> None:
        self._catalog = catalog

    async def __call__(self, cmd: ListStockMovements) -> MovementPage:
        cmd.actor.require_admin("see the stock ledger")
        async with self._catalog.read_uow() as uow:
            if await uow.products.get(cmd.product_id) is None:
                raise _not_found(cmd.product_id)
            found = await uow.stock_movements.list_for_product(
                cmd.product_id, cmd.limit + 1, cmd.after
            )
        return split_page(found, cmd.limit, lambda m: (m.sequence, m.id))
