"""Importing and exporting products in bulk, on the in-memory adapters."""

from typing import Any

import pytest

from application.catalog.commands import (
    ArchiveProduct,
    GetProduct,
    ListProducts,
    ListStockMovements,
)
from application.catalog.transfer import (
    ExportProducts,
    ImportedBatch,
    ImportProducts,
    ImportRow,
)
from domain.catalog import MovementKind, Product
from domain.shared.errors import InvalidValue, ServiceUnavailable
from tests.factories import OPERATOR
from tests.unit.conftest import Shop


def row(line: int, sku: str, price: str = "9.99", stock: str = "5", **fields: str) -> ImportRow:
    values = {"name": f"Product {sku}", "description": ""} | fields
    return ImportRow(line=line, sku=sku, price=price, stock=stock, **values)


async def run_import(shop: Shop, rows: list[ImportRow], **options: Any) -> list[ImportedBatch]:
    command = ImportProducts(OPERATOR, rows=rows, source="test.csv", **options)
    return [batch async for batch in shop.import_products(command)]


def totals(batches: list[ImportedBatch]) -> tuple[int, int, int, list[int]]:
    return (
        sum(b.created for b in batches),
        sum(b.updated for b in batches),
        sum(b.unchanged for b in batches),
        [r.line for b in batches for r in b.rejected],
    )


async def catalog(shop: Shop) -> dict[str, Product]:
    page = await shop.list(ListProducts(OPERATOR, include_archived=True, limit=100))
    return {p.sku.value: p for p in page.items}


async def test_new_skus_are_created_with_their_stock_in_the_ledger(shop: Shop) -> None:
    batches = await run_import(shop, [row(2, "MUG-1", stock="4"), row(3, "CUP-2", stock="0")])
    assert totals(batches) == (2, 0, 0, [])
    products = await catalog(shop)
    assert (products["MUG-1"].stock, products["MUG-1"].version) == (4, 1)
    movements = await shop.movements(ListStockMovements(OPERATOR, products["MUG-1"].id))
    assert [(m.delta, m.kind, m.reason) for m in movements.items] == [
        (4, MovementKind.IMPORT, "import from test.csv")
    ]
    assert (await shop.movements(ListStockMovements(OPERATOR, products["CUP-2"].id))).items == []


async def test_existing_skus_are_updated_whatever_their_case_and_unchanged_ones_kept(
    shop: Shop,
) -> None:
    await run_import(shop, [row(2, "MUG-1", stock="4"), row(3, "CUP-2")])
    batches = await run_import(shop, [row(2, "mug-1", price="12.00", stock="1"), row(3, "CUP-2")])
    assert totals(batches) == (0, 1, 1, [])
    products = await catalog(shop)
    mug, cup = products["MUG-1"], products["CUP-2"]
    assert (mug.price.amount, mug.stock, mug.version) == ("12.00", 1, 2)
    assert cup.version == 1  # nothing changed, nothing written
    deltas = [m.delta for m in (await shop.movements(ListStockMovements(OPERATOR, mug.id))).items]
    assert deltas == [-3, 4] and sum(deltas) == mug.stock


async def test_bad_rows_are_reported_by_line_and_the_good_ones_imported(shop: Shop) -> None:
    rows = [
        row(2, "GOOD-1"),
        row(3, "BAD SKU"),
        row(4, "PRICE-1", price="9.999"),
        row(5, "PRICE-2", price="-1.00"),
        row(6, "STOCK-1", stock="-3"),
        row(7, "STOCK-2", stock="2.5"),
        row(8, "NAME-1", name="\u200b"),
        row(9, "good-1"),  # the same SKU as line 2
        ImportRow(10, "ODD-1", "x", "", "1.00", "1", problem="bytes that are not UTF-8"),
        row(11, "GOOD-2"),
    ]
    batches = await run_import(shop, rows, batch_size=3)
    created, _, _, rejected = totals(batches)
    assert (created, rejected) == (2, [3, 4, 5, 6, 7, 8, 9, 10])
    reasons = {r.line: r.reason for b in batches for r in b.rejected}
    assert reasons[4].startswith("price: ") and "exactly 2 digits" in reasons[4]
    assert reasons[9] == "sku: SKU good-1 is on line 2 already"
    assert reasons[10] == "row: bytes that are not UTF-8"
    assert sorted(await catalog(shop)) == ["GOOD-1", "GOOD-2"]


async def test_a_dry_run_reports_and_writes_nothing(shop: Shop) -> None:
    await run_import(shop, [row(2, "MUG-1")])
    batches = await run_import(shop, [row(2, "MUG-1", stock="9"), row(3, "NEW-1")], dry_run=True)
    assert totals(batches) == (1, 1, 0, [])
    products = await catalog(shop)
    assert list(products) == ["MUG-1"] and products["MUG-1"].stock == 5


async def test_an_archived_product_stays_archived(shop: Shop) -> None:
    await run_import(shop, [row(2, "MUG-1")])
    mug = (await catalog(shop))["MUG-1"]
    await shop.archive(ArchiveProduct(OPERATOR, mug.id))
    await run_import(shop, [row(2, "MUG-1", price="1.00")])
    assert (await shop.get(GetProduct(OPERATOR, mug.id, include_archived=True))).is_active is False


async def test_a_failing_batch_writes_none_of_its_rows(
    shop: Shop, monkeypatch: pytest.MonkeyPatch
) -> None:
    rows = [row(line, f"SKU-{line}") for line in range(2, 8)]
    batches = shop.import_products(
        ImportProducts(OPERATOR, rows=rows, source="test.csv", batch_size=3)
    )
    assert (await anext(batches)).created == 3
    from adapters.memory.catalog import MemoryStockMovementRepository

    async def database_gone(*_: object) -> None:
        raise ServiceUnavailable("The database is unavailable")

    monkeypatch.setattr(MemoryStockMovementRepository, "add_many", database_gone)
    with pytest.raises(ServiceUnavailable):
        await anext(batches)
    assert sorted(await catalog(shop)) == ["SKU-2", "SKU-3", "SKU-4"]


async def test_export_streams_every_product_oldest_first_archived_too(shop: Shop) -> None:
    await run_import(shop, [row(line, f"SKU-{line:02d}") for line in range(2, 27)])
    first = (await catalog(shop))["SKU-02"]
    await shop.archive(ArchiveProduct(OPERATOR, first.id))
    exported = [
        p.sku.value async for p in shop.export_products(ExportProducts(OPERATOR, page_size=7))
    ]
    assert exported == [f"SKU-{line:02d}" for line in range(2, 27)]


async def test_a_source_the_ledger_cannot_name_is_refused_before_any_row(shop: Shop) -> None:
    # The first batch moves no stock, so only an early check keeps it from landing.
    rows = [row(2, "CUP-0", stock="0"), row(3, "MUG-1", stock="5")]
    command = ImportProducts(OPERATOR, rows=rows, source="bad\x07name.csv", batch_size=1)
    with pytest.raises(InvalidValue):
        [batch async for batch in shop.import_products(command)]
    assert await catalog(shop) == {}
