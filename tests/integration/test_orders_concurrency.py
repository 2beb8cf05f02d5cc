"""Checkout under real concurrency, on PostgreSQL: many connections, one transaction
each, all at once. No oversell, no deadlock, no lost update; one charge per order."""

import asyncio
from collections.abc import AsyncIterator
from itertools import cycle

import pytest

from adapters.sqlalchemy.connections import Connections
from adapters.sqlalchemy.engine import create_engine
from adapters.sqlalchemy.gateway_books import SqlGatewayBooks
from adapters.sqlalchemy.unit_of_work import SqlReader, SqlUnitOfWork
from application.orders.commands import (
    CancelOrder,
    GetOrder,
    IdempotencyKey,
    PayOrder,
    Replay,
)
from domain.orders import (
    IdempotencyInProgress,
    InvalidTransition,
    Order,
    OrderStatus,
    OutOfStock,
    PaymentInProgress,
    TooManyPendingOrders,
)
from tests.integration.ledger import assert_chain
from tests.integration.orders import Wired
from tests.units_of_work import EVENTS, SQL

pytestmark = pytest.mark.postgres

CONNECTIONS = 20  # leaves room on a default PostgreSQL (100) for whatever else uses it


@pytest.fixture
async def shop(postgres_db: str) -> AsyncIterator[Wired]:
    connections = Connections(create_engine(postgres_db, pool_size=CONNECTIONS, max_overflow=0))
    reader = Connections(create_engine(postgres_db, pool_size=4, read_only=True))

    def make_uow(read_only: bool = False) -> SqlReader:
        return SqlReader(reader, SQL) if read_only else SqlUnitOfWork(connections, SQL, EVENTS)

    # These races are about locks: a customer may hold any number of orders unpaid here.
    yield Wired(make_uow, SqlGatewayBooks(connections), max_pending=100)
    await connections.dispose()
    await reader.dispose()


async def test_two_hundred_buyers_of_the_last_fifty_make_exactly_fifty_orders(
    shop: Wired,
) -> None:
    mug = await shop.product(50)
    buyers = [await shop.customer() for _ in range(20)]
    results = await asyncio.gather(
        *(shop.order(buyer, (mug, 1)) for buyer, _ in zip(cycle(buyers), range(200), strict=False)),
        return_exceptions=True,
    )
    placed = [r for r in results if isinstance(r, Order)]
    refused = [r for r in results if not isinstance(r, Order)]
    assert len(placed) == 50
    assert {type(r) for r in refused} == {OutOfStock}
    assert (await shop.stock(mug), await shop.ledger(mug)) == (0, 0)


async def test_crossed_orders_neither_deadlock_nor_lose_stock(shop: Wired) -> None:
    products = [await shop.product(1000) for _ in range(3)]
    first, second, third = products
    buyers = [await shop.customer() for _ in range(2)]
    shapes = [
        ((first, 2), (second, 1)),
        ((second, 1), (first, 2)),
        ((third, 1), (second, 1), (first, 1)),
        ((first, 1), (third, 2)),
    ]
    results = await asyncio.gather(
        *(
            shop.order(buyers[n % 2], *shape)
            for n, shape in zip(range(160), cycle(shapes), strict=False)
        ),
        return_exceptions=True,
    )
    assert [r for r in results if not isinstance(r, Order)] == []
    sold = {p.id: 0 for p in products}
    for order in results:
        for line in order.lines:  # type: ignore[union-attr]
            sold[line.product_id] += line.quantity
    for product in products:
        assert await shop.stock(product) == 1000 - sold[product.id]
        assert await shop.ledger(product) == 1000 - sold[product.id]
        async with shop.make_uow(read_only=True) as uow:
            assert_chain(await uow.stock_movements.list_for_product(product.id, 10_000, None))


async def test_the_same_payment_sent_many_times_at_once_charges_once(shop: Wired) -> None:
    buyer = await shop.customer()
    mug = await shop.product(5)
    placed = await shop.order(buyer, (mug, 1))
    pay = PayOrder(buyer, placed.id, "tok_visa")
    keyed = PayOrder(buyer, placed.id, "tok_visa", IdempotencyKey("pay-1", "fp"))
    results = await asyncio.gather(
        *(shop.pay(pay) for _ in range(10)), *(shop.pay(keyed) for _ in range(10)),
        return_exceptions=True,
    )  # fmt: skip
    assert len(await shop.gateway.charges()) == 1
    assert {type(r) for r in results} <= {
        Order, Replay, InvalidTransition, IdempotencyInProgress, PaymentInProgress,
    }  # fmt: skip
    async with shop.make_uow(read_only=True) as uow:
        payments = await uow.payments.for_order(placed.id)
    assert [p.status.value for p in payments] == ["succeeded"]


async def test_payment_racing_cancellation_is_either_paid_or_refunded_never_both(
    shop: Wired,
) -> None:
    buyer = await shop.customer()
    mug = await shop.product(100)
    orders = [await shop.order(buyer, (mug, 1)) for _ in range(20)]
    await asyncio.gather(
        *(shop.pay(PayOrder(buyer, o.id, "tok_visa")) for o in orders),
        *(shop.cancel(CancelOrder(buyer, o.id)) for o in orders),
        return_exceptions=True,
    )
    held = 0
    async with shop.make_uow(read_only=True) as uow:
        for order in orders:
            final = await shop.get_order(GetOrder(buyer, order.id))
            held += final.status is OrderStatus.PAID
            statuses = [p.status.value for p in await uow.payments.for_order(order.id)]
            assert final.status in (OrderStatus.PAID, OrderStatus.CANCELLED)
            if final.status is OrderStatus.PAID:
                assert statuses == ["succeeded"]
            else:
                assert statuses in ([], ["refunded"])
    assert (await shop.stock(mug), await shop.ledger(mug)) == (100 - held, 100 - held)


async def test_concurrent_sweeps_expire_each_order_once(shop: Wired) -> None:
    buyers = [await shop.customer() for _ in range(2)]
    mug = await shop.product(300)
    for n in range(120):
        await shop.order(buyers[n % 2], (mug, 2))
    shop.clock.advance(31 * 60)
    rounds = await asyncio.gather(*(shop.upkeep() for _ in range(4)))
    assert sum(r.expired_orders for r in rounds) == 120
    assert (await shop.stock(mug), await shop.ledger(mug)) == (300, 300)


async def test_one_customer_placing_ten_orders_at_once_holds_three(postgres_db: str) -> None:
    connections = Connections(create_engine(postgres_db, pool_size=10, max_overflow=0))
    reader = Connections(create_engine(postgres_db, pool_size=2, read_only=True))

    def make_uow(read_only: bool = False) -> SqlReader:
        return SqlReader(reader, SQL) if read_only else SqlUnitOfWork(connections, SQL, EVENTS)

    try:
        shop = Wired(make_uow)
        buyer = await shop.customer()
        mugs = [await shop.product(10) for _ in range(10)]
        results = await asyncio.gather(
            *(shop.order(buyer, (mug, 1)) for mug in mugs), return_exceptions=True
        )
        assert sum(isinstance(r, Order) for r in results) == 3
        assert all(isinstance(r, Order | TooManyPendingOrders) for r in results), results
        assert sum([await shop.stock(mug) for mug in mugs]) == 97
    finally:
        await connections.dispose()
        await reader.dispose()
