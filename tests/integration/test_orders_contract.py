"""Orders over every adapter (memory, SQLite, PostgreSQL): the same use cases, the same
outcomes; and a page of orders is one statement however long it is."""

import asyncio
from collections.abc import Iterator
from typing import Any
from uuid import uuid4

import pytest
from sqlalchemy import event
from sqlalchemy.ext.asyncio import AsyncEngine

from adapters.payments.fake import GatewayBooks
from application.orders.commands import (
    CancelOrder,
    DeliverOrder,
    GetOrder,
    IdempotencyKey,
    LineRequest,
    ListOrders,
    PayOrder,
    PlaceOrder,
    Replay,
    ShipOrder,
)
from application.orders.idempotency import Idempotency
from application.shared.actor import Actor
from domain.orders import CancellationReason, Order, OrderStatus, OutOfStock, PaymentStatus
from tests.integration.conftest import MakeUow
from tests.integration.orders import HOME, Wired

ADMIN = Actor(uuid4(), True)


@pytest.fixture
def shop(make_uow: MakeUow, books: GatewayBooks) -> Wired:
    return Wired(make_uow, books)


async def test_an_order_goes_from_placed_to_delivered_with_its_stock_and_ledger_right(
    shop: Wired,
) -> None:
    alice = await shop.customer()
    mug, cup = await shop.product(10, "19.99"), await shop.product(3, "0.05")
    placed = await shop.order(alice, (mug, 2), (cup, 3))
    stored = await shop.get_order(GetOrder(alice, placed.id))
    assert [(ln.product_id, ln.quantity, ln.unit_price) for ln in stored.lines] == [
        (mug.id, 2, mug.price),
        (cup.id, 3, cup.price),
    ]
    assert stored.total.amount == "40.13" and stored.shipping_address.country == "US"
    paid = await shop.pay(PayOrder(alice, placed.id, "tok_visa"))
    assert isinstance(paid, Order) and paid.status is OrderStatus.PAID
    await shop.fulfil(ShipOrder(ADMIN, placed.id, "1Z"))
    delivered = await shop.fulfil(DeliverOrder(ADMIN, placed.id))
    assert delivered.status is OrderStatus.DELIVERED and delivered.tracking_number == "1Z"
    assert (await shop.stock(mug), await shop.stock(cup)) == (8, 0)
    assert (await shop.ledger(mug), await shop.ledger(cup)) == (8, 0)


async def test_out_of_stock_writes_nothing(shop: Wired) -> None:
    alice = await shop.customer()
    mug, cup = await shop.product(10), await shop.product(1)
    with pytest.raises(OutOfStock):
        await shop.order(alice, (mug, 2), (cup, 2))
    assert (await shop.stock(mug), await shop.ledger(mug)) == (10, 10)
    assert (await shop.list_orders(ListOrders(alice))).items == []


async def test_a_placement_that_fails_after_its_writes_leaves_none_of_them(
    shop: Wired, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Stock, ledger, order and lines are written, then the last step before the commit
    fails: every one of those writes is rolled back with the transaction."""
    alice = await shop.customer()
    mug, cup = await shop.product(10), await shop.product(5)

    async def crash(*_: object) -> None:
        raise RuntimeError("crashed before the commit")

    monkeypatch.setattr(Idempotency, "complete", crash)
    with pytest.raises(RuntimeError, match="before the commit"):
        await shop.order(alice, (mug, 2), (cup, 1))
    assert [await shop.stock(mug), await shop.stock(cup)] == [10, 5]
    assert [await shop.ledger(mug), await shop.ledger(cup)] == [10, 5]
    assert (await shop.list_orders(ListOrders(alice))).items == []
    monkeypatch.undo()
    assert (await shop.order(alice, (mug, 2))).total.amount == "20.00"  # the pool is sound


async def test_cancel_and_expiry_put_the_stock_back_and_refund_what_was_paid(shop: Wired) -> None:
    alice = await shop.customer()
    mug = await shop.product(10)
    paid = await shop.order(alice, (mug, 1))
    await shop.pay(PayOrder(alice, paid.id, "tok_visa"))
    cancelled = await shop.cancel(CancelOrder(alice, paid.id))
    assert cancelled.cancellation_reason is CancellationReason.CUSTOMER
    unpaid = await shop.order(alice, (mug, 4))
    shop.clock.advance(31 * 60)
    assert (await shop.upkeep()).expired_orders == 1
    expired = await shop.get_order(GetOrder(alice, unpaid.id))
    assert expired.cancellation_reason is CancellationReason.PAYMENT_TIMEOUT
    assert (await shop.stock(mug), await shop.ledger(mug)) == (10, 10)
    async with shop.make_uow(read_only=True) as uow:
        (payment,) = await uow.payments.for_order(paid.id)
    assert payment.status is PaymentStatus.REFUNDED and payment.refund_id


async def test_a_replayed_key_gives_the_first_answer_and_places_nothing(shop: Wired) -> None:
    alice = await shop.customer()
    mug = await shop.product(10)
    cmd = PlaceOrder(alice, (LineRequest(mug.id, 1),), HOME, IdempotencyKey("k", "fp"))
    first = await shop.place(cmd)
    again = await shop.place(cmd)
    assert isinstance(first, Order) and isinstance(again, Replay)
    assert again.body.startswith(b'{"id":"' + str(first.id).encode())
    assert await shop.stock(mug) == 9
    shop.clock.advance(24 * 3600)
    assert (await shop.upkeep()).keys_forgotten == 1


async def test_orders_page_newest_first_by_customer_and_status(shop: Wired) -> None:
    alice, bob = await shop.customer(), await shop.customer()
    mug = await shop.product(100)
    placed = []
    for buyer in (alice, bob, alice, alice, bob):
        placed.append(await shop.order(buyer, (mug, 1)))
        shop.clock.advance(1)
    await shop.pay(PayOrder(alice, placed[2].id, "tok_visa"))
    pages, after = [], None
    while True:
        page = await shop.list_orders(ListOrders(alice, limit=2, after=after))
        pages.append([o.id for o in page.items])
        if (after := page.next_after) is None:
            break
    assert pages == [[placed[3].id, placed[2].id], [placed[0].id]]
    paid = await shop.list_orders(ListOrders(ADMIN, status=OrderStatus.PAID))
    assert [o.id for o in paid.items] == [placed[2].id]
    bobs = await shop.list_orders(ListOrders(ADMIN, customer_id=bob.user_id))
    assert [o.id for o in bobs.items] == [placed[4].id, placed[1].id]


@pytest.fixture
def statements(make_uow: MakeUow, backend: str | None) -> Iterator[list[str]]:
    """The SQL the read-only unit of work's connections run: what SQLAlchemy sends on
    SQLite, what the driver sends on PostgreSQL (none for the memory adapter)."""
    seen: list[str] = []
    if backend is None:
        pytest.skip("the in-memory adapter runs no statements")
    engine: AsyncEngine = make_uow(read_only=True)._connections.engine
    listen = engine.sync_engine
    if engine.dialect.name == "sqlite":
        record = lambda *args: seen.append(args[2])  # noqa: E731
        event.listen(listen, "before_cursor_execute", record)
        yield seen
        event.remove(listen, "before_cursor_execute", record)
        return
    drivers: list[Any] = []

    def log(query: Any) -> None:
        seen.append(query.query)

    def watch(dbapi_connection: Any, *_: Any) -> None:
        driver = dbapi_connection.driver_connection
        if driver not in drivers:
            drivers.append(driver)
            driver.add_query_logger(log)

    event.listen(listen, "checkout", watch)
    yield seen
    event.remove(listen, "checkout", watch)
    for driver in drivers:
        driver.remove_query_logger(log)


@pytest.mark.parametrize("orders", [1, 20])
async def test_a_page_of_orders_is_one_statement_however_many_it_holds(
    shop: Wired, statements: list[str], orders: int
) -> None:
    """One statement: one round trip, and one consistent read of orders and lines."""
    alice = await shop.customer()
    mugs = [await shop.product(100) for _ in range(3)]
    for _ in range(orders):
        placed = await shop.order(alice, *((mug, 1) for mug in mugs))
        await shop.pay(PayOrder(alice, placed.id, "tok_visa"))  # three may wait unpaid
    statements.clear()
    page = await shop.list_orders(ListOrders(alice, limit=20))
    assert len(page.items) == orders and all(len(o.lines) == 3 for o in page.items)
    await asyncio.sleep(0)  # the driver tells its query loggers soon after, not at once
    assert [s.split()[0].upper() for s in statements if not s.startswith("BEGIN")] == ["SELECT"]
