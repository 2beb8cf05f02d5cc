"""The catalog's use cases on the in-memory adapters."""

from uuid import uuid4

import pytest

from application.catalog.commands import (
    AdjustStock,
    ArchiveProduct,
    CreateProduct,
    GetProduct,
    ListProducts,
    ListStockMovements,
    Price,
    ProductSort,
    UpdateProduct,
)
from application.catalog.transfer import ExportProducts, ImportProducts
from application.shared.actor import Actor
from domain.catalog import MovementKind, Product, SkuTaken, StockWouldGoNegative, VersionMismatch
from domain.catalog.events import ProductCreated, StockAdjusted
from domain.shared.errors import Forbidden, InvalidValue, NotFound
from domain.shared.money import CurrencyMismatch
from tests.factories import OPERATOR
from tests.unit.conftest import Shop


def usd(amount: str) -> Price:
    return Price(amount, "USD")


async def new(
    shop: Shop, sku: str = "MUG-001", actor: Actor = OPERATOR, **fields: object
) -> Product:
    values: dict[str, object] = {"name": "Mug", "price": usd("9.99")} | fields
    return await shop.create(CreateProduct(actor, sku, **values))  # type: ignore[arg-type]


async def ledger(shop: Shop, product: Product) -> list[int]:
    page = await shop.movements(ListStockMovements(OPERATOR, product.id, limit=100))
    return [m.delta for m in page.items]


async def test_creating_a_product_with_stock_writes_the_first_movement(shop: Shop) -> None:
    admin = Actor(uuid4(), is_admin=True)
    mug = await new(shop, stock=12, actor=admin)
    page = await shop.movements(ListStockMovements(OPERATOR, mug.id))
    [movement] = page.items
    assert (movement.delta, movement.stock_after, movement.kind) == (
        12,
        12,
        MovementKind.ADJUSTMENT,
    )
    assert movement.actor_id == admin.user_id and mug.stock == 12
    assert [type(e) for e in shop.events.published] == [ProductCreated, StockAdjusted]


async def test_a_sku_is_unique_whatever_its_case(shop: Shop) -> None:
    await new(shop, "MUG-001")
    with pytest.raises(SkuTaken):
        await new(shop, "mug-001")


async def test_a_price_outside_the_store_currency_is_refused(shop: Shop) -> None:
    with pytest.raises(CurrencyMismatch):
        await new(shop, price=Price("9.99", "EUR"))
    with pytest.raises(InvalidValue):
        await new(shop, price=usd("9.9"))


async def test_stock_adjustments_are_in_the_ledger_and_never_below_zero(shop: Shop) -> None:
    mug = await new(shop, stock=3)
    await shop.adjust(AdjustStock(OPERATOR, mug.id, 5, "delivery"))
    with pytest.raises(StockWouldGoNegative):
        await shop.adjust(AdjustStock(OPERATOR, mug.id, -9, "broken"))
    after = await shop.adjust(AdjustStock(OPERATOR, mug.id, -8, "sold at the fair"))
    deltas = await ledger(shop, mug)
    assert after.stock == 0 == sum(deltas)
    assert deltas == [-8, 5, 3]  # newest first


async def test_a_stale_version_changes_nothing(shop: Shop) -> None:
    mug = await new(shop)
    updated = await shop.update(
        UpdateProduct(OPERATOR, mug.id, name="Big mug", expected_versions=frozenset({1}))
    )
    assert updated.version == 2
    for stale in ({1}, {1, 3}, set()):
        with pytest.raises(VersionMismatch):
            await shop.update(
                UpdateProduct(
                    OPERATOR, mug.id, price=usd("1.00"), expected_versions=frozenset(stale)
                )
            )
    again = await shop.update(
        UpdateProduct(OPERATOR, mug.id, description="Tall.", expected_versions=frozenset({1, 2}))
    )
    assert again.version == 3
    current = await shop.get(GetProduct(OPERATOR, mug.id))
    assert (current.name, current.price.amount, current.version) == ("Big mug", "9.99", 3)


async def test_a_partial_update_changes_only_what_it_names(shop: Shop) -> None:
    mug = await new(shop, description="Holds coffee.")
    updated = await shop.update(UpdateProduct(OPERATOR, mug.id, price=usd("12.50")))
    assert (updated.name, updated.description, updated.price.amount) == (
        "Mug",
        "Holds coffee.",
        "12.50",
    )


async def test_an_archived_product_is_hidden_unless_asked_for(shop: Shop) -> None:
    mug = await new(shop)
    await shop.archive(ArchiveProduct(OPERATOR, mug.id))
    with pytest.raises(NotFound):
        await shop.get(GetProduct(OPERATOR, mug.id))
    assert not (await shop.get(GetProduct(OPERATOR, mug.id, include_archived=True))).is_active
    assert (await shop.list(ListProducts(OPERATOR))).items == []
    assert len((await shop.list(ListProducts(OPERATOR, include_archived=True))).items) == 1


async def test_unknown_products_are_not_found(shop: Shop) -> None:
    for call in (
        shop.get(GetProduct(OPERATOR, uuid4())),
        shop.update(UpdateProduct(OPERATOR, uuid4(), name="x")),
        shop.adjust(AdjustStock(OPERATOR, uuid4(), 1, "x")),
        shop.archive(ArchiveProduct(OPERATOR, uuid4())),
        shop.movements(ListStockMovements(OPERATOR, uuid4())),
    ):
        with pytest.raises(NotFound):
            await call


async def test_search_and_filters(shop: Shop) -> None:
    await new(shop, "MUG-001", name="Blue mug", price=usd("5.00"), stock=1)
    await new(shop, "CUP-002", name="Tea cup", price=usd("15.00"), description="Fine china")
    await new(shop, "PLATE-3", name="Plate", price=usd("25.00"), stock=4)

    async def skus(**query: object) -> list[str]:
        page = await shop.list(ListProducts(OPERATOR, sort=ProductSort.CHEAPEST, **query))  # type: ignore[arg-type]
        return [p.sku.value for p in page.items]

    assert await skus(text="CHINA") == ["CUP-002"]
    assert await skus(text="mug-0") == ["MUG-001"]
    assert await skus(min_price="10.00") == ["CUP-002", "PLATE-3"]
    assert await skus(max_price="15.00") == ["MUG-001", "CUP-002"]
    assert await skus(in_stock=True) == ["MUG-001", "PLATE-3"]


@pytest.mark.parametrize("sort", list(ProductSort))
async def test_pages_in_every_sort_hold_every_product_once(shop: Shop, sort: ProductSort) -> None:
    for n in range(7):  # ties in price and name: the id breaks them
        await new(shop, f"SKU-{n}", name=["b", "A", "a"][n % 3], price=usd(f"{n % 2}.00"))
    seen, after = [], None
    while True:
        page = await shop.list(ListProducts(OPERATOR, sort=sort, limit=3, after=after))
        seen += page.items
        if page.next_after is None:
            break
        after = page.next_after
    everything = (await shop.list(ListProducts(OPERATOR, sort=sort, limit=100))).items
    assert [p.id for p in seen] == [p.id for p in everything] and len(seen) == 7


async def test_an_empty_update_leaves_the_version_alone(shop: Shop) -> None:
    mug = await new(shop)
    assert (await shop.update(UpdateProduct(OPERATOR, mug.id))).version == 1
    assert (await shop.get(GetProduct(OPERATOR, mug.id))).version == 1


async def test_only_admins_change_the_catalog_or_see_its_ledger_and_archive(shop: Shop) -> None:
    mug = await new(shop, stock=3)
    await shop.archive(ArchiveProduct(OPERATOR, (await new(shop, "OLD-1")).id))
    for someone in (Actor(uuid4(), is_admin=False), Actor.anonymous()):
        refused = [
            shop.create(CreateProduct(someone, "CUP-1", "Cup", usd("1.00"))),
            shop.update(UpdateProduct(someone, mug.id, name="Mine")),
            shop.adjust(AdjustStock(someone, mug.id, 5, "mine")),
            shop.archive(ArchiveProduct(someone, mug.id)),
            shop.movements(ListStockMovements(someone, mug.id)),
            shop.get(GetProduct(someone, mug.id, include_archived=True)),
            shop.list(ListProducts(someone, include_archived=True)),
            anext(shop.import_products(ImportProducts(someone, rows=[], source="x.csv"))),
            anext(shop.export_products(ExportProducts(someone))),
        ]
        for call in refused:
            with pytest.raises(Forbidden, match="Only admins may"):
                await call
        # What anyone may: the active catalog.
        assert [p.id for p in (await shop.list(ListProducts(someone))).items] == [mug.id]
        assert (await shop.get(GetProduct(someone, mug.id))).version == mug.version
    assert await ledger(shop, mug) == [3]
