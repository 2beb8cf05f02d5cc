from datetime import UTC, datetime
from uuid import uuid4

import pytest

from domain.catalog import MovementKind, Product, Sku, StockWouldGoNegative
from domain.catalog.events import ProductArchived, ProductCreated, ProductRepriced, StockAdjusted
from domain.shared.errors import InvalidValue
from domain.shared.money import Currency, CurrencyMismatch, Money
from tests.factories import ProductFactory

USD = Currency("USD")
NOW = datetime(2026, 11, 23, 8, 0, tzinfo=UTC)


def product(**changes: object) -> Product:
    mug = {"sku": Sku.parse("MUG-001"), "description": "A mug.", "price": Money(1999, USD)}
    return ProductFactory(**(mug | {"now": NOW} | changes))


def adjust(item: Product, delta: int, reason: str = "counted") -> None:
    item.adjust_stock(
        delta, movement_id=uuid4(), kind=MovementKind.ADJUSTMENT, reason=reason, now=NOW
    )


def test_a_new_product_is_active_with_no_stock_and_says_so() -> None:
    mug = product(name="  Coffee   mug ")
    assert (mug.stock, mug.is_active, mug.name) == (0, True, "Coffee mug")
    assert mug.pull_events() == [ProductCreated(mug.id, "MUG-001", "19.99")]


@pytest.mark.parametrize("raw", ["", "a" * 65, "MUG 001", "MUG/001", "mug\u00e9", "MUG-001\n"])
def test_a_sku_is_1_to_64_plain_characters(raw: str) -> None:
    with pytest.raises(InvalidValue):
        Sku.parse(raw)


def test_skus_compare_case_insensitively_by_key_but_keep_their_spelling() -> None:
    assert Sku.parse("Mug-001").key == Sku.parse("MUG-001").key
    assert str(Sku.parse("Mug-001")) == "Mug-001"


def test_a_price_in_another_currency_is_refused() -> None:
    with pytest.raises(CurrencyMismatch):
        product(price=Money(1999, Currency("EUR")))
    mug = product()
    with pytest.raises(CurrencyMismatch):
        mug.reprice(Money(100, Currency("JPY")), USD, NOW)


@pytest.mark.parametrize(
    ("field", "value"),
    [("name", ""), ("name", "x" * 201), ("name", "\u200b"), ("description", "x" * 5001)],
)
def test_names_and_descriptions_have_bounds(field: str, value: str) -> None:
    with pytest.raises(InvalidValue):
        product(**{field: value})


def test_stock_moves_only_through_movements_that_explain_it() -> None:
    mug = product()
    movement = mug.adjust_stock(
        5, movement_id=uuid4(), kind=MovementKind.IMPORT, reason="delivery", now=NOW
    )
    assert (movement.delta, movement.stock_after, movement.kind) == (5, 5, MovementKind.IMPORT)
    adjust(mug, -2)
    assert mug.stock == 3
    assert [type(e) for e in mug.pull_events()] == [ProductCreated, StockAdjusted, StockAdjusted]


def test_stock_never_goes_below_zero_and_a_refusal_changes_nothing() -> None:
    mug = product()
    adjust(mug, 3)
    mug.pull_events()
    with pytest.raises(StockWouldGoNegative, match="Only 3 left of SKU MUG-001"):
        adjust(mug, -4)
    assert mug.stock == 3 and mug.pull_events() == []


@pytest.mark.parametrize(("delta", "reason"), [(0, "nothing"), (1, ""), (1, "x" * 501)])
def test_a_stock_change_is_not_zero_and_has_a_reason(delta: int, reason: str) -> None:
    mug = product()
    with pytest.raises(InvalidValue):
        adjust(mug, delta, reason)
    assert mug.stock == 0


def test_repricing_to_the_same_price_records_nothing() -> None:
    mug = product()
    mug.pull_events()
    mug.reprice(Money(1999, USD), USD, NOW)
    mug.reprice(Money(2499, USD), USD, NOW)
    assert mug.pull_events() == [ProductRepriced(mug.id, "24.99")]


def test_archiving_hides_the_product_once() -> None:
    mug = product()
    mug.pull_events()
    mug.archive(NOW)
    mug.archive(NOW)
    assert not mug.is_active and mug.pull_events() == [ProductArchived(mug.id)]
