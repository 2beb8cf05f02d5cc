"""A stateful property: whatever customers and operators do, in whatever order (place,
pay, cancel, ship, deliver, restock, let time pass and expire), every product's stock
plus what live orders hold equals its initial stock plus restocks, and its ledger adds
up to its stock."""

import asyncio
from contextlib import suppress
from uuid import uuid4

from hypothesis import settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, invariant, precondition, rule

from application.catalog.commands import AdjustStock, CreateProduct, GetProduct, Price
from application.orders.commands import (
    AddressRequest,
    CancelOrder,
    DeliverOrder,
    LineRequest,
    PayOrder,
    PlaceOrder,
    ShipOrder,
)
from application.shared.actor import Actor
from domain.orders import OrderStatus
from domain.shared.errors import DomainError
from tests.factories import OPERATOR
from tests.unit.conftest import Checkout

CUSTOMER, ADMIN = Actor(uuid4(), False), Actor(uuid4(), True)
HOME = AddressRequest("A", "1 Main St", "Town", "1", "FR")
LIVE = {OrderStatus.PENDING_PAYMENT, OrderStatus.PAID, OrderStatus.SHIPPED, OrderStatus.DELIVERED}


def run(work):  # type: ignore[no-untyped-def]
    return asyncio.run(work)


class Shop(RuleBasedStateMachine):
    def __init__(self) -> None:
        super().__init__()
        self.shop = Checkout()
        self.products = [
            run(
                self.shop.create(
                    CreateProduct(OPERATOR, f"P-{n}", "Mug", Price("2.50", "USD"), stock=5)
                )
            )
            for n in range(3)
        ]
        self.expected = {p.id: 5 for p in self.products}  # initial + restocks

    def _try(self, work) -> None:  # type: ignore[no-untyped-def]
        with suppress(DomainError):  # a refusal changes nothing: the invariants say so
            run(work)

    @rule(picks=st.lists(st.tuples(st.integers(0, 2), st.integers(1, 4)), min_size=1, max_size=3))
    def place(self, picks: list[tuple[int, int]]) -> None:
        wanted = {self.products[i].id: n for i, n in picks}
        lines = tuple(LineRequest(pid, n) for pid, n in wanted.items())
        self._try(self.shop.place(PlaceOrder(CUSTOMER, lines, HOME)))

    @precondition(lambda self: self.shop.store["orders"])
    @rule(pick=st.integers(0, 1000), token=st.sampled_from(["tok_visa", "tok_chargeDeclined"]))
    def pay(self, pick: int, token: str) -> None:
        self._try(self.shop.pay(PayOrder(CUSTOMER, self._order(pick), token)))

    @precondition(lambda self: self.shop.store["orders"])
    @rule(pick=st.integers(0, 1000), by_admin=st.booleans())
    def cancel(self, pick: int, by_admin: bool) -> None:
        actor = ADMIN if by_admin else CUSTOMER
        self._try(self.shop.cancel(CancelOrder(actor, self._order(pick))))

    @precondition(lambda self: self.shop.store["orders"])
    @rule(pick=st.integers(0, 1000))
    def ship(self, pick: int) -> None:
        self._try(self.shop.fulfil(ShipOrder(ADMIN, self._order(pick), "T")))

    @precondition(lambda self: self.shop.store["orders"])
    @rule(pick=st.integers(0, 1000))
    def deliver(self, pick: int) -> None:
        self._try(self.shop.fulfil(DeliverOrder(ADMIN, self._order(pick))))

    @rule(index=st.integers(0, 2), delta=st.integers(1, 5))
    def restock(self, index: int, delta: int) -> None:
        product = self.products[index]
        run(self.shop.adjust(AdjustStock(OPERATOR, product.id, delta, "restock")))
        self.expected[product.id] += delta

    @rule(minutes=st.sampled_from([1, 10, 31]))
    def time_passes_and_the_upkeep_runs(self, minutes: int) -> None:
        self.shop.clock.advance(minutes * 60)
        run(self.shop.upkeep())

    def _order(self, pick: int):  # type: ignore[no-untyped-def]
        ids = sorted(self.shop.store["orders"])
        return ids[pick % len(ids)]

    @invariant()
    def stock_and_live_orders_account_for_every_unit(self) -> None:
        held = dict.fromkeys(self.expected, 0)
        for order in self.shop.store["orders"].values():
            if order.status in LIVE:
                for line in order.lines:
                    held[line.product_id] += line.quantity
        for product_id, expected in self.expected.items():
            stock = run(
                self.shop.get(GetProduct(OPERATOR, product_id, include_archived=True))
            ).stock
            assert stock >= 0
            assert stock + held[product_id] == expected
            ledger = sum(
                m.delta
                for m in self.shop.store["stock_movements"].values()
                if m.product_id == product_id
            )
            assert ledger == stock

    @invariant()
    def paid_money_is_kept_only_by_live_paid_orders(self) -> None:
        for payment in self.shop.store["payments"].values():
            order = self.shop.store["orders"][payment.order_id]
            if payment.status.value == "succeeded":
                assert order.status in LIVE - {OrderStatus.PENDING_PAYMENT}
            if order.status is OrderStatus.CANCELLED:
                assert payment.status.value in ("declined", "refunded")


TestShop = Shop.TestCase
TestShop.settings = settings(max_examples=60, stateful_step_count=25, deadline=None)
