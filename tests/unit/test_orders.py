"""The order use cases on the in-memory adapters: placement and its refusals, who may
see and do what, payments, cancellations, expiry and idempotency keys."""

from uuid import uuid4

import pytest

from application.catalog.commands import (
    AdjustStock,
    ArchiveProduct,
    CreateProduct,
    GetProduct,
    Price,
    UpdateProduct,
)
from application.orders.commands import (
    AddressRequest,
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
from application.orders.payments import PAYMENT_LEASE
from application.shared.actor import Actor
from domain.catalog import Product
from domain.orders import (
    CancellationReason,
    IdempotencyInProgress,
    IdempotencyKeyReused,
    InvalidTransition,
    Order,
    OrderStatus,
    OutOfStock,
    PaymentDeclined,
    PaymentInProgress,
    PaymentStatus,
    TooManyPendingOrders,
    UnknownProduct,
)
from domain.shared.errors import Forbidden, InvalidValue, NotFound, ServiceUnavailable
from entrypoints.documents import order_json
from tests.factories import OPERATOR
from tests.unit.conftest import Checkout

ALICE, BOB = Actor(uuid4(), False), Actor(uuid4(), False)
ADMIN = Actor(uuid4(), True)
HOME = AddressRequest("Alice", "1 Main St", "Springfield", "12345", "US")
TIMEOUT = 30 * 60


async def product(checkout: Checkout, stock: int = 10, amount: str = "19.99") -> Product:
    sku = f"SKU-{uuid4().hex[:8]}"
    return await checkout.create(
        CreateProduct(OPERATOR, sku, "Mug", Price(amount, "USD"), stock=stock)
    )


async def place(
    checkout: Checkout, *lines: tuple[Product, int], actor: Actor = ALICE, key: str | None = None
) -> Order:
    idempotency = IdempotencyKey(key, f"fp-{lines}") if key else None
    requests = tuple(LineRequest(p.id, n) for p, n in lines)
    placed = await checkout.place(PlaceOrder(actor, requests, HOME, idempotency))
    assert isinstance(placed, Order)
    return placed


async def stock(checkout: Checkout, item: Product) -> int:
    return (await checkout.get(GetProduct(OPERATOR, item.id, include_archived=True))).stock


async def pay(checkout: Checkout, order: Order, token: str = "tok_visa") -> Order:  # noqa: S107
    paid = await checkout.pay(PayOrder(ALICE, order.id, token))
    assert isinstance(paid, Order)
    return paid


# Placement


async def test_placing_an_order_reserves_the_stock_of_every_line_and_snapshots_it(
    checkout: Checkout,
) -> None:
    mug, cup = await product(checkout, 10, "19.99"), await product(checkout, 5, "2.50")
    placed = await place(checkout, (mug, 3), (cup, 5))
    assert (await stock(checkout, mug), await stock(checkout, cup)) == (7, 0)
    assert placed.total.amount == "72.47"
    assert [(ln.sku, ln.unit_price.amount, ln.quantity) for ln in placed.lines] == [
        (str(mug.sku), "19.99", 3),
        (str(cup.sku), "2.50", 5),
    ]
    movements = [m for m in checkout.store["stock_movements"].values() if m.order_id == placed.id]
    assert sorted(m.delta for m in movements) == [-5, -3]
    assert {m.kind.value for m in movements} == {"order_reservation"}


async def test_a_later_price_change_leaves_the_order_as_it_was(checkout: Checkout) -> None:
    mug = await product(checkout, 10, "19.99")
    placed = await place(checkout, (mug, 1))
    await checkout.update(UpdateProduct(OPERATOR, mug.id, price=Price("99.00", "USD")))
    kept = await checkout.get_order(GetOrder(ALICE, placed.id))
    assert kept.lines[0].unit_price.amount == "19.99"


async def test_not_enough_stock_for_one_line_reserves_nothing_and_names_what_is_left(
    checkout: Checkout,
) -> None:
    mug, cup = await product(checkout, 10), await product(checkout, 2)
    with pytest.raises(OutOfStock) as refused:
        await place(checkout, (mug, 3), (cup, 5))
    assert refused.value.left == {str(cup.sku): 2}
    assert (await stock(checkout, mug), await stock(checkout, cup)) == (10, 2)
    assert checkout.store["orders"] == {}


async def test_an_unknown_or_archived_product_is_named(checkout: Checkout) -> None:
    mug, gone = await product(checkout), await product(checkout)
    await checkout.archive(ArchiveProduct(OPERATOR, gone.id))
    missing = uuid4()
    lines = (LineRequest(mug.id, 1), LineRequest(gone.id, 1), LineRequest(missing, 1))
    with pytest.raises(UnknownProduct) as refused:
        await checkout.place(PlaceOrder(ALICE, lines, HOME))
    assert set(refused.value.product_ids) == {gone.id, missing}
    assert await stock(checkout, mug) == 10


async def test_a_product_appears_once_and_lines_are_one_to_fifty(checkout: Checkout) -> None:
    mug = await product(checkout)
    with pytest.raises(InvalidValue):
        await place(checkout, (mug, 1), (mug, 2))
    with pytest.raises(InvalidValue):
        await checkout.place(PlaceOrder(ALICE, (), HOME))
    many = tuple(LineRequest(uuid4(), 1) for _ in range(51))
    with pytest.raises(InvalidValue):
        await checkout.place(PlaceOrder(ALICE, many, HOME))


async def test_a_bad_address_places_nothing(checkout: Checkout) -> None:
    mug = await product(checkout)
    nowhere = AddressRequest("Alice", "1 Main St", "Springfield", "12345", "XX")
    with pytest.raises(InvalidValue):
        await checkout.place(PlaceOrder(ALICE, (LineRequest(mug.id, 1),), nowhere))
    assert await stock(checkout, mug) == 10


# Who sees what


async def test_a_customer_sees_only_their_own_orders(checkout: Checkout) -> None:
    mug = await product(checkout)
    mine = await place(checkout, (mug, 1))
    theirs = await place(checkout, (mug, 1), actor=BOB)
    with pytest.raises(NotFound):
        await checkout.get_order(GetOrder(ALICE, theirs.id))
    page = await checkout.list_orders(ListOrders(ALICE))
    assert [o.id for o in page.items] == [mine.id]
    with pytest.raises(Forbidden):
        await checkout.list_orders(ListOrders(ALICE, customer_id=BOB.user_id))
    everyone = await checkout.list_orders(ListOrders(ADMIN))
    assert [o.id for o in everyone.items] == [theirs.id, mine.id]
    bobs = await checkout.list_orders(ListOrders(ADMIN, customer_id=BOB.user_id))
    assert [o.id for o in bobs.items] == [theirs.id]


async def test_orders_page_newest_first_and_filter_by_status(checkout: Checkout) -> None:
    mug = await product(checkout, 100)
    placed = []
    for n in range(5):
        placed.append(await place(checkout, (mug, 1)))
        if n != 1:  # paid: a customer holds at most three unpaid
            await pay(checkout, placed[n])
        checkout.clock.advance(1)
    first = await checkout.list_orders(ListOrders(ALICE, limit=3))
    second = await checkout.list_orders(ListOrders(ALICE, limit=3, after=first.next_after))
    assert [o.id for o in first.items + second.items] == [o.id for o in reversed(placed)]
    assert second.next_after is None
    pending = await checkout.list_orders(ListOrders(ALICE, status=OrderStatus.PENDING_PAYMENT))
    assert [o.id for o in pending.items] == [placed[1].id]


async def test_only_admins_ship_and_deliver(checkout: Checkout) -> None:
    mug = await product(checkout)
    placed = await pay(checkout, await place(checkout, (mug, 1)))
    with pytest.raises(Forbidden):
        await checkout.fulfil(ShipOrder(ALICE, placed.id))
    with pytest.raises(NotFound):
        await checkout.fulfil(ShipOrder(BOB, placed.id))
    shipped = await checkout.fulfil(ShipOrder(ADMIN, placed.id, "1Z999"))
    delivered = await checkout.fulfil(DeliverOrder(ADMIN, placed.id))
    assert (shipped.tracking_number, delivered.status) == ("1Z999", OrderStatus.DELIVERED)


async def test_only_its_customer_pays_an_order(checkout: Checkout) -> None:
    mug = await product(checkout)
    placed = await place(checkout, (mug, 1))
    with pytest.raises(NotFound):
        await checkout.pay(PayOrder(BOB, placed.id, "tok_visa"))
    with pytest.raises(Forbidden):
        await checkout.pay(PayOrder(ADMIN, placed.id, "tok_visa"))
    assert checkout.charges() == []


# Payments


async def test_paying_charges_the_total_once_and_records_the_payment(checkout: Checkout) -> None:
    mug = await product(checkout, 10, "5.00")
    paid = await pay(checkout, await place(checkout, (mug, 2)))
    assert paid.status is OrderStatus.PAID and paid.payment_expires_at is None
    (payment,) = checkout.store["payments"].values()
    assert (payment.status, payment.amount.amount) == (PaymentStatus.SUCCEEDED, "10.00")
    assert len(checkout.charges()) == 1
    with pytest.raises(InvalidTransition):
        await pay(checkout, paid)
    assert len(checkout.charges()) == 1


async def test_a_declined_payment_leaves_the_order_pending_and_a_new_attempt_may_pay(
    checkout: Checkout,
) -> None:
    mug = await product(checkout)
    placed = await place(checkout, (mug, 1))
    with pytest.raises(PaymentDeclined):
        await pay(checkout, placed, "tok_chargeDeclined")
    assert (
        await checkout.get_order(GetOrder(ALICE, placed.id))
    ).status is OrderStatus.PENDING_PAYMENT
    paid = await pay(checkout, placed, "tok_mastercard")
    assert paid.status is OrderStatus.PAID
    statuses = sorted(p.status.value for p in checkout.store["payments"].values())
    assert statuses == ["declined", "succeeded"]


async def test_an_unknown_payment_token_is_refused_and_changes_nothing(checkout: Checkout) -> None:
    mug = await product(checkout)
    placed = await place(checkout, (mug, 1))
    with pytest.raises(InvalidValue):
        await pay(checkout, placed, "tok_nonsense")
    (attempt,) = checkout.store["payments"].values()
    assert attempt.status is PaymentStatus.FAILED and checkout.charges() == []
    assert (await checkout.get_order(GetOrder(ALICE, placed.id))).version == placed.version
    assert (await pay(checkout, placed)).status is OrderStatus.PAID


async def test_a_gateway_that_does_not_answer_leaves_the_order_pending(checkout: Checkout) -> None:
    mug = await product(checkout)
    placed = await place(checkout, (mug, 1))

    async def down(**_: object) -> None:
        raise ServiceUnavailable("The payment gateway does not answer")

    checkout.gateway.charge = down  # type: ignore[method-assign,assignment]
    with pytest.raises(ServiceUnavailable):
        await pay(checkout, placed)
    assert (
        await checkout.get_order(GetOrder(ALICE, placed.id))
    ).status is OrderStatus.PENDING_PAYMENT
    (attempt,) = checkout.store["payments"].values()
    assert attempt.status is PaymentStatus.FAILED


# Cancelling and expiry


async def test_cancelling_a_pending_order_releases_its_stock(checkout: Checkout) -> None:
    mug = await product(checkout, 10)
    placed = await place(checkout, (mug, 4))
    cancelled = await checkout.cancel(CancelOrder(ALICE, placed.id))
    assert cancelled.cancellation_reason is CancellationReason.CUSTOMER
    assert await stock(checkout, mug) == 10
    assert checkout.refunds() == []


async def test_cancelling_a_paid_order_refunds_it(checkout: Checkout) -> None:
    mug = await product(checkout, 10)
    paid = await pay(checkout, await place(checkout, (mug, 4)))
    cancelled = await checkout.cancel(CancelOrder(ADMIN, paid.id))
    assert cancelled.cancellation_reason is CancellationReason.ADMIN
    assert await stock(checkout, mug) == 10
    (payment,) = checkout.store["payments"].values()
    assert payment.status is PaymentStatus.REFUNDED and payment.refund_id in checkout.refunds()


async def test_a_refund_the_gateway_missed_is_settled_by_the_upkeep(checkout: Checkout) -> None:
    mug = await product(checkout, 10)
    paid = await pay(checkout, await place(checkout, (mug, 1)))
    refund = checkout.gateway.refund

    async def down(**_: object) -> str:
        raise ServiceUnavailable("down")

    checkout.gateway.refund = down  # type: ignore[method-assign,assignment]
    await checkout.cancel(CancelOrder(ALICE, paid.id))
    (payment,) = checkout.store["payments"].values()
    assert payment.status is PaymentStatus.REFUND_PENDING
    checkout.gateway.refund = refund  # type: ignore[method-assign]
    assert (await checkout.upkeep()).refunds_settled == 1
    (payment,) = checkout.store["payments"].values()
    assert payment.status is PaymentStatus.REFUNDED


async def test_shipped_orders_cannot_be_cancelled(checkout: Checkout) -> None:
    mug = await product(checkout)
    paid = await pay(checkout, await place(checkout, (mug, 1)))
    await checkout.fulfil(ShipOrder(ADMIN, paid.id))
    with pytest.raises(InvalidTransition):
        await checkout.cancel(CancelOrder(ALICE, paid.id))


async def test_unpaid_orders_expire_and_give_their_stock_back(checkout: Checkout) -> None:
    mug = await product(checkout, 10)
    early = await place(checkout, (mug, 2))
    checkout.clock.advance(TIMEOUT / 2)
    late = await place(checkout, (mug, 3))
    checkout.clock.advance(TIMEOUT / 2)
    assert (await checkout.upkeep()).expired_orders == 1
    expired = await checkout.get_order(GetOrder(ALICE, early.id))
    assert expired.cancellation_reason is CancellationReason.PAYMENT_TIMEOUT
    assert (
        await checkout.get_order(GetOrder(ALICE, late.id))
    ).status is OrderStatus.PENDING_PAYMENT
    assert await stock(checkout, mug) == 7
    assert (await checkout.upkeep()).expired_orders == 0


async def test_paying_after_the_time_is_up_cancels_instead_of_charging(checkout: Checkout) -> None:
    mug = await product(checkout, 10)
    placed = await place(checkout, (mug, 2))
    checkout.clock.advance(TIMEOUT)
    with pytest.raises(InvalidTransition):
        await pay(checkout, placed)
    assert checkout.charges() == []
    assert await stock(checkout, mug) == 10


async def test_a_charge_that_comes_back_to_a_cancelled_order_is_refunded(
    checkout: Checkout,
) -> None:
    mug = await product(checkout, 10)
    placed = await place(checkout, (mug, 2))
    charge = checkout.gateway.charge

    async def slow_charge(**kwargs: object) -> object:
        # The order expires while the gateway thinks.
        checkout.clock.advance(TIMEOUT)
        await checkout.upkeep()
        return await charge(**kwargs)  # type: ignore[arg-type]

    checkout.gateway.charge = slow_charge  # type: ignore[method-assign,assignment]
    with pytest.raises(InvalidTransition):
        await pay(checkout, placed)
    (payment,) = checkout.store["payments"].values()
    assert payment.status is PaymentStatus.REFUNDED
    assert await stock(checkout, mug) == 10
    final = await checkout.get_order(GetOrder(ALICE, placed.id))
    assert final.status is OrderStatus.CANCELLED


# Idempotency keys


async def test_the_same_key_and_request_replays_the_first_answer(checkout: Checkout) -> None:
    mug = await product(checkout, 10)
    first = await place(checkout, (mug, 1), key="k1")
    again = await checkout.place(
        PlaceOrder(
            ALICE, (LineRequest(mug.id, 1),), HOME, IdempotencyKey("k1", f"fp-{((mug, 1),)}")
        )
    )
    assert again == Replay(order_json(first))
    assert len(checkout.store["orders"]) == 1 and await stock(checkout, mug) == 9


async def test_the_same_key_for_another_request_is_refused(checkout: Checkout) -> None:
    mug = await product(checkout, 10)
    await place(checkout, (mug, 1), key="k1")
    with pytest.raises(IdempotencyKeyReused):
        await place(checkout, (mug, 2), key="k1")


async def test_keys_belong_to_their_user(checkout: Checkout) -> None:
    mug = await product(checkout, 10)
    await place(checkout, (mug, 1), key="k1")
    await place(checkout, (mug, 1), key="k1", actor=BOB)
    assert len(checkout.store["orders"]) == 2


async def test_a_key_in_progress_is_refused_and_a_failed_request_frees_it(
    checkout: Checkout,
) -> None:
    mug = await product(checkout, 1)
    with pytest.raises(OutOfStock):
        await place(checkout, (mug, 2), key="k1")
    assert checkout.store["idempotency_keys"] == {}
    charge = checkout.gateway.charge
    placed = await place(checkout, (mug, 1))

    async def meanwhile(**kwargs: object) -> object:
        with pytest.raises(IdempotencyInProgress):
            await checkout.pay(PayOrder(ALICE, placed.id, "tok_visa", IdempotencyKey("p", "x")))
        return await charge(**kwargs)  # type: ignore[arg-type]

    checkout.gateway.charge = meanwhile  # type: ignore[method-assign,assignment]
    paid = await checkout.pay(PayOrder(ALICE, placed.id, "tok_visa", IdempotencyKey("p", "x")))
    assert isinstance(paid, Order) and len(checkout.charges()) == 1


async def test_an_abandoned_key_is_taken_over_and_old_keys_are_forgotten(
    checkout: Checkout,
) -> None:
    mug = await product(checkout, 10)
    placed = await place(checkout, (mug, 1))
    key = IdempotencyKey("p", "x")

    async def crash(**_: object) -> None:
        raise RuntimeError("the connection to the gateway dropped: did it charge?")

    charge = checkout.gateway.charge
    checkout.gateway.charge = crash  # type: ignore[method-assign,assignment]
    with pytest.raises(ServiceUnavailable):
        await checkout.pay(PayOrder(ALICE, placed.id, "tok_visa", key))
    checkout.gateway.charge = charge  # type: ignore[method-assign]
    # The attempt's outcome is unknown until the upkeep asks the gateway, past its lease.
    with pytest.raises(PaymentInProgress):
        await checkout.pay(PayOrder(ALICE, placed.id, "tok_visa", key))
    checkout.clock.advance(PAYMENT_LEASE.total_seconds() + 1)
    assert (await checkout.upkeep()).payments_reconciled == 1
    assert isinstance(await checkout.pay(PayOrder(ALICE, placed.id, "tok_visa", key)), Order)
    assert isinstance(await checkout.pay(PayOrder(ALICE, placed.id, "tok_visa", key)), Replay)
    checkout.clock.advance(24 * 3600)
    assert (await checkout.upkeep()).keys_forgotten == 1


async def test_a_paid_order_stays_paid_when_restocked(checkout: Checkout) -> None:
    mug = await product(checkout, 1)
    paid = await pay(checkout, await place(checkout, (mug, 1)))
    await checkout.adjust(AdjustStock(OPERATOR, mug.id, 5, "restock"))
    assert await stock(checkout, mug) == 5
    assert (await checkout.get_order(GetOrder(ALICE, paid.id))).status is OrderStatus.PAID


async def test_a_customer_holds_at_most_three_orders_unpaid(checkout: Checkout) -> None:
    mug = await product(checkout, 100)
    held = [await place(checkout, (mug, 1)) for _ in range(3)]
    with pytest.raises(TooManyPendingOrders):
        await place(checkout, (mug, 1))
    assert await stock(checkout, mug) == 97
    await place(checkout, (mug, 1), actor=BOB)  # another customer has room of their own
    await pay(checkout, held[0])
    await checkout.cancel(CancelOrder(ALICE, held[1].id))
    await place(checkout, (mug, 1))
    await place(checkout, (mug, 1))
    with pytest.raises(TooManyPendingOrders):
        await place(checkout, (mug, 1))
