"""Payments racing on real databases (SQLite and PostgreSQL), with real concurrency:
different requests for one order at once (declined and approved, two keys, pay and
cancel, pay and expiry), and an answer lost after the gateway charged. Whatever the
race: no unexpected error, one kept charge at most per order, the stock right, and the
reconciliation with the gateway's books finds every charge kept once or refunded."""

import asyncio
import random
from collections.abc import AsyncIterator
from typing import Any

import pytest

from adapters.payments.fake import FakePaymentGateway
from adapters.sqlalchemy.connections import Connections
from adapters.sqlalchemy.engine import create_engine
from adapters.sqlalchemy.gateway_books import SqlGatewayBooks
from adapters.sqlalchemy.unit_of_work import SqlReader, SqlUnitOfWork
from application.orders.commands import CancelOrder, GetOrder, IdempotencyKey, PayOrder
from application.orders.payments import PAYMENT_LEASE
from application.shared.actor import Actor
from domain.orders import (
    InvalidTransition,
    Order,
    OrderStatus,
    PaymentDeclined,
    PaymentInProgress,
    PaymentStatus,
)
from domain.shared.errors import ServiceUnavailable
from tests.integration.orders import Wired
from tests.units_of_work import EVENTS, SQL

ORDERS = 12
# What a racing pay request may be told; anything else (a 500) fails the test.
ANSWERS = (Order, PaymentDeclined, PaymentInProgress, InvalidTransition)


class SlowGateway(FakePaymentGateway):
    """Thinks a little before each charge, so that other requests run meanwhile."""

    async def charge(self, **kwargs: Any) -> Any:
        await asyncio.sleep(random.uniform(0, 0.02))
        return await super().charge(**kwargs)


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def database(request: pytest.FixtureRequest) -> str:
    return str(request.getfixturevalue(f"{request.param}_db"))


@pytest.fixture
async def shop(database: str) -> AsyncIterator[Wired]:
    connections = Connections(create_engine(database, pool_size=10, max_overflow=0))
    reader = Connections(create_engine(database, pool_size=4, read_only=True))

    def make_uow(read_only: bool = False) -> SqlReader:
        return SqlReader(reader, SQL) if read_only else SqlUnitOfWork(connections, SQL, EVENTS)

    yield Wired(make_uow, SqlGatewayBooks(connections), SlowGateway)
    await connections.dispose()
    await reader.dispose()


async def _orders(shop: Wired, stock: int = 100) -> tuple[Any, list[Order]]:
    mug = await shop.product(stock)
    return mug, [await shop.order(await shop.customer(), (mug, 1)) for _ in range(ORDERS)]


async def _each_charge_kept_once_or_refunded(shop: Wired, mug: Any, orders: list[Order]) -> int:
    """Checks every order's end, and answers how many were paid."""
    paid = held = 0
    async with shop.make_uow(read_only=True) as uow:
        for placed in orders:
            order = await uow.orders.get(placed.id)
            kept = [
                p for p in await uow.payments.for_order(placed.id)
                if p.status is PaymentStatus.SUCCEEDED
            ]  # fmt: skip
            assert len(kept) == (order.status is OrderStatus.PAID)
            paid += order.status is OrderStatus.PAID
            held += order.status is not OrderStatus.CANCELLED
    reconciliation = await shop.reconcile(fix=False)
    assert reconciliation.mismatches == ()
    live = [c for c in await shop.gateway.charges() if not c.refunded]
    assert len(live) == paid
    assert (await shop.stock(mug), await shop.ledger(mug)) == (100 - held, 100 - held)
    return paid


def _pay(order: Order, token: str, key: str | None = None) -> PayOrder:
    idempotency = IdempotencyKey(key, key) if key else None
    return PayOrder(Actor(order.customer_id, False), order.id, token, idempotency)


async def test_a_declined_and_an_approved_payment_at_once(shop: Wired) -> None:
    mug, orders = await _orders(shop)
    tokens = ("tok_chargeDeclined", "tok_visa", "tok_chargeDeclined", "tok_visa")
    results = await asyncio.gather(
        *(shop.pay(_pay(order, token)) for order in orders for token in tokens),
        return_exceptions=True,
    )
    assert all(isinstance(r, ANSWERS) for r in results), results
    await _each_charge_kept_once_or_refunded(shop, mug, orders)


async def test_two_approved_payments_with_different_keys_charge_once(shop: Wired) -> None:
    mug, orders = await _orders(shop)
    results = await asyncio.gather(
        *(shop.pay(_pay(order, "tok_visa", key)) for order in orders for key in ("a", "b")),
        return_exceptions=True,
    )
    assert all(isinstance(r, ANSWERS) for r in results), results
    assert sum(isinstance(r, Order) for r in results) == ORDERS  # each order paid once
    assert await _each_charge_kept_once_or_refunded(shop, mug, orders) == ORDERS


async def test_payments_racing_cancellation_and_expiry(shop: Wired) -> None:
    mug, orders = await _orders(shop)

    async def time_up() -> None:
        await asyncio.sleep(0.01)
        shop.clock.advance(31 * 60)
        await shop.upkeep()

    results = await asyncio.gather(
        *(shop.pay(_pay(order, "tok_visa")) for order in orders),
        *(shop.pay(_pay(order, "tok_mastercard", "k")) for order in orders),
        *(shop.cancel(CancelOrder(_pay(o, "").actor, o.id)) for o in orders[: ORDERS // 2]),
        time_up(),
        return_exceptions=True,
    )
    assert all(r is None or isinstance(r, ANSWERS) for r in results), results
    await shop.upkeep()  # whatever expiry the race left for the next round
    await _each_charge_kept_once_or_refunded(shop, mug, orders)
    for order in orders:
        final = await shop.get_order(GetOrder(_pay(order, "").actor, order.id))
        assert final.status in (OrderStatus.PAID, OrderStatus.CANCELLED)


async def test_a_charge_whose_answer_was_lost_is_kept_by_the_upkeep(shop: Wired) -> None:
    mug, orders = await _orders(shop)
    order = orders[0]
    charge = shop.gateway.charge

    async def charged_then_lost(**kwargs: Any) -> Any:
        await charge(**kwargs)
        raise ConnectionResetError("the answer never came back")

    shop.gateway.charge = charged_then_lost  # type: ignore[method-assign]
    with pytest.raises(ServiceUnavailable):
        await shop.pay(_pay(order, "tok_visa"))
    shop.gateway.charge = charge  # type: ignore[method-assign]
    with pytest.raises(PaymentInProgress):
        await shop.pay(_pay(order, "tok_visa"))
    (found,) = (await shop.reconcile(fix=False)).mismatches
    assert found.kind == "unrecorded_charge" and not found.fixed
    assert (await shop.upkeep()).payments_reconciled == 0  # still within its lease
    shop.clock.advance(PAYMENT_LEASE.total_seconds() + 1)
    assert (await shop.upkeep()).payments_reconciled == 1
    paid = await shop.get_order(GetOrder(_pay(order, "").actor, order.id))
    assert paid.status is OrderStatus.PAID
    assert await _each_charge_kept_once_or_refunded(shop, mug, orders) == 1
