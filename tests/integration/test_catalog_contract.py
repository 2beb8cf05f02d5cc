"""The catalog's repositories: one contract, three adapters (memory, SQLite, PostgreSQL)."""

import asyncio
from dataclasses import replace
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy.exc import IntegrityError

from adapters.system import Uuid7Generator
from application.catalog.commands import AdjustStock, ProductSort
from application.catalog.ports import ProductQuery, sort_key
from application.catalog.products import AdjustStockHandler
from application.catalog.shared import Catalog
from domain.catalog import MovementKind, Product, Sku, SkuTaken
from domain.shared.errors import ConcurrentUpdate
from domain.shared.money import Currency, Money
from tests.factories import OPERATOR, ProductFactory
from tests.fakes import FakeClock
from tests.integration.conftest import MakeUow
from tests.integration.ledger import assert_chain

USD = Currency("USD")
T0 = datetime(2026, 1, 1, tzinfo=UTC)
_ids = Uuid7Generator()


def product(
    sku: str, *, name: str = "Mug", minor: int = 999, at: int = 0, **fields: object
) -> Product:
    item = ProductFactory(
        sku=Sku.parse(sku),
        name=name,
        description=str(fields.pop("description", "")),
        price=Money(minor, USD),
        now=T0 + timedelta(seconds=at),
    )
    return replace(item, **fields) if fields else item  # type: ignore[arg-type]


async def add(make_uow: MakeUow, *items: Product) -> None:
    async with make_uow() as uow:
        for item in items:
            await uow.products.add(item)
        await uow.commit()


async def everything(
    make_uow: MakeUow, sort: ProductSort, limit: int, **query: object
) -> list[Product]:
    seen: list[Product] = []
    after = None
    while True:
        async with make_uow(read_only=True) as uow:
            page = list(
                await uow.products.list(ProductQuery(sort=sort, limit=limit, after=after, **query))
            )  # type: ignore[arg-type]
        seen += page
        if len(page) < limit:
            return seen
        after = (sort_key(page[-1], sort), page[-1].id)


async def test_a_product_reads_back_as_written(make_uow: MakeUow) -> None:
    mug = product("Mug-001", name="Café mug", minor=123456, description="Holds\ncoffee.")
    await add(make_uow, mug)
    async with make_uow(read_only=True) as uow:
        by_id = await uow.products.get(mug.id)
        by_sku = await uow.products.get_by_sku(Sku.parse("MUG-001"))
    for found in (by_id, by_sku):
        assert found is not None
        assert (found.sku.value, found.name, found.description, found.price) == (
            "Mug-001",
            "Café mug",
            "Holds\ncoffee.",
            Money(123456, USD),
        )
        assert (found.stock, found.is_active, found.created_at, found.version) == (0, True, T0, 1)


async def test_skus_are_unique_whatever_their_case(make_uow: MakeUow) -> None:
    await add(make_uow, product("MUG-001"))
    with pytest.raises(SkuTaken):
        await add(make_uow, product("mug-001"))


async def test_a_stale_save_is_refused(make_uow: MakeUow) -> None:
    mug = product("MUG-001")
    await add(make_uow, mug)
    async with make_uow() as uow:
        first = await uow.products.get(mug.id)
        assert first is not None
        await uow.products.save(first)
        await uow.commit()
    async with make_uow() as uow:
        with pytest.raises(ConcurrentUpdate):
            await uow.products.save(mug)  # still at version 1


async def test_a_batch_with_one_stale_row_is_refused_whole(make_uow: MakeUow) -> None:
    mug, cup = product("MUG-001"), product("CUP-002")
    await add(make_uow, mug, cup)
    async with make_uow() as uow:
        moved = await uow.products.get(cup.id)
        assert moved is not None
        await uow.products.save(moved)  # the cup is at version 2 now
        await uow.commit()
    mug.rename("Renamed", mug.updated_at)
    async with make_uow() as uow:
        with pytest.raises(ConcurrentUpdate):
            await uow.products.save_many([mug, cup])  # the cup still at version 1
    async with make_uow(read_only=True) as uow:
        stored = await uow.products.get(mug.id)
    assert stored is not None and stored.name == "Mug" and stored.version == 1


@pytest.mark.parametrize("sort", list(ProductSort))
async def test_pages_in_every_sort_hold_every_product_once(
    make_uow: MakeUow, sort: ProductSort
) -> None:
    # Ties on every key (same time, price and name twice over): the id breaks them.
    items = [
        product(f"SKU-{n}", name=["b", "A", "a", "É", "e"][n % 5], minor=n % 3 * 100, at=n % 4)
        for n in range(23)
    ]
    await add(make_uow, *items)
    seen = await everything(make_uow, sort, limit=4)
    async with make_uow(read_only=True) as uow:
        one_page = list(await uow.products.list(ProductQuery(sort=sort, limit=100)))
    assert [p.id for p in seen] == [p.id for p in one_page]
    assert sorted(p.id for p in seen) == sorted(p.id for p in items)


async def test_inserts_between_pages_neither_repeat_nor_hide_the_others(make_uow: MakeUow) -> None:
    first = [product(f"OLD-{n}", at=n) for n in range(6)]
    await add(make_uow, *first)
    async with make_uow(read_only=True) as uow:
        page = list(await uow.products.list(ProductQuery(sort=ProductSort.NEWEST, limit=3)))
    await add(make_uow, *(product(f"NEW-{n}", at=100 + n) for n in range(3)))
    after = (sort_key(page[-1], ProductSort.NEWEST), page[-1].id)
    async with make_uow(read_only=True) as uow:
        rest = list(
            await uow.products.list(ProductQuery(sort=ProductSort.NEWEST, limit=10, after=after))
        )
    assert [p.sku.value for p in page + rest] == [f"OLD-{n}" for n in reversed(range(6))]


async def test_search_is_case_insensitive_over_name_sku_and_description(make_uow: MakeUow) -> None:
    await add(
        make_uow,
        product("CAFE-1", name="Café au lait bowl"),
        product("tea-2", name="Teapot", description="Glazed STONEWARE"),
        product("PLAIN-3", name="Plate"),
    )

    async def found(text: str) -> set[str]:
        async with make_uow(read_only=True) as uow:
            return {p.sku.value for p in await uow.products.list(ProductQuery(text=text))}

    assert await found("CAFÉ") == {"CAFE-1"}
    assert await found("stoneware") == {"tea-2"}
    assert await found("TEA-") == {"tea-2"}
    assert await found("50%_") == set()  # LIKE's wildcards are plain characters


async def test_filters_on_price_stock_and_archived(make_uow: MakeUow) -> None:
    await add(
        make_uow,
        product("A", minor=100, stock=0),
        product("B", minor=500, stock=3),
        product("C", minor=900, stock=1, is_active=False),
    )

    async def skus(**query: object) -> list[str]:
        async with make_uow(read_only=True) as uow:
            q = ProductQuery(sort=ProductSort.CHEAPEST, **query)  # type: ignore[arg-type]
            return [p.sku.value for p in await uow.products.list(q)]

    assert await skus() == ["A", "B"]
    assert await skus(include_archived=True) == ["A", "B", "C"]
    assert await skus(in_stock=True, include_archived=True) == ["B", "C"]
    assert await skus(in_stock=False) == ["A"]
    assert await skus(min_price=Money(500, USD), max_price=Money(900, USD)) == ["B"]


async def test_the_ledger_pages_newest_first(make_uow: MakeUow) -> None:
    mug = product("MUG-1")
    clock = FakeClock()
    async with make_uow() as uow:
        await uow.products.add(mug)
        for delta in (5, -2, 7, -1, 3):
            clock.advance(1)
            movement = mug.adjust_stock(
                delta,
                movement_id=_ids.new_id(),
                kind=MovementKind.IMPORT,
                reason="r",
                now=clock.now(),
            )
            await uow.stock_movements.add(movement)
        await uow.products.save(mug)
        await uow.commit()
    deltas, after = [], None
    while True:
        async with make_uow(read_only=True) as uow:
            page = list(await uow.stock_movements.list_for_product(mug.id, 2, after))
        deltas += [m.delta for m in page]
        if len(page) < 2:
            break
        after = (page[-1].sequence, page[-1].id)
    assert deltas == [3, -1, 7, -2, 5] and sum(deltas) == 12


@pytest.mark.parametrize(
    "backend", ["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)], indirect=True
)
async def test_the_database_refuses_negative_stock_whatever_the_code_does(
    make_uow: MakeUow,
) -> None:
    mug = product("MUG-1")
    await add(make_uow, mug)
    mug.stock = -1  # past the domain's guard, as a bug would
    with pytest.raises(IntegrityError):
        async with make_uow() as uow:
            await uow.products.save(mug)
            await uow.commit()


@pytest.mark.parametrize(
    "backend", [pytest.param("postgres", marks=pytest.mark.postgres)], indirect=True
)
async def test_concurrent_adjustments_lose_no_update_and_the_ledger_adds_up(
    make_uow: MakeUow,
) -> None:
    mug = product("MUG-1")
    await add(make_uow, mug)
    adjust = AdjustStockHandler(
        Catalog(uow=make_uow, read_uow=make_uow, ids=_ids, clock=FakeClock(), store_currency=USD)
    )
    deltas = [5, 3, -1, 7, 2, 4, 6, 1] * 2
    await asyncio.gather(*(adjust(AdjustStock(OPERATOR, mug.id, d, "restock")) for d in deltas))
    async with make_uow(read_only=True) as uow:
        stored = await uow.products.get(mug.id)
        ledger = await uow.stock_movements.list_for_product(mug.id, 100, None)
    assert stored is not None and stored.stock == sum(deltas) == sum(m.delta for m in ledger)
    assert len(ledger) == len(deltas)
    assert_chain(ledger)


async def test_batches_are_written_all_or_none(make_uow: MakeUow) -> None:
    mug, cup = product("MUG-1"), product("CUP-2")
    async with make_uow() as uow:
        await uow.products.add_many([mug, cup])
        await uow.commit()
    async with make_uow() as uow:
        with pytest.raises(SkuTaken):
            await uow.products.add_many([product("NEW-3"), product("cup-2")])
    async with make_uow() as uow:
        found = await uow.products.get_many_by_sku(
            [Sku.parse("mug-1"), Sku.parse("CUP-2"), Sku.parse("NEW-3")], for_update=True
        )
        assert sorted(p.sku.value for p in found) == ["CUP-2", "MUG-1"]
        for item in found:
            item.rename(f"{item.name} II", T0)
        movements = [
            item.adjust_stock(
                3, movement_id=_ids.new_id(), kind=MovementKind.IMPORT, reason="import", now=T0
            )
            for item in found
        ]
        await uow.products.save_many(found)
        await uow.stock_movements.add_many(movements)
        await uow.commit()
    async with make_uow(read_only=True) as uow:
        after = await uow.products.get_many_by_sku([Sku.parse("MUG-1"), Sku.parse("CUP-2")])
        ledger = await uow.stock_movements.list_for_product(mug.id, 10, None)
    assert {(p.name, p.stock, p.version) for p in after} == {("Mug II", 3, 2)}
    assert [(m.delta, m.kind) for m in ledger] == [(3, MovementKind.IMPORT)]
