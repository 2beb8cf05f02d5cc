"""The order aggregate: its state machine, every status against every move; its lines,
totals and address."""

from datetime import UTC, datetime, timedelta

import pytest

from domain.orders import (
    TRANSITIONS,
    Address,
    CancellationReason,
    InvalidTransition,
    Move,
    Order,
    OrderLine,
    OrderStatus,
)
from domain.shared.errors import InvalidValue
from domain.shared.money import Currency, CurrencyMismatch, Money
from tests.factories import OrderFactory, OrderLineFactory

USD, EUR = Currency("USD"), Currency("EUR")
NOW = datetime(2026, 11, 23, 12, 0, tzinfo=UTC)
TIMEOUT = timedelta(minutes=30)
ADDRESS = Address.parse(
    name="Ada Lovelace", line1="12 St James's Square", city="London", postal_code="SW1Y 4JH",
    country="GB",
)  # fmt: skip


def line(minor: int = 1999, quantity: int = 1, currency: Currency = USD) -> OrderLine:
    return OrderLineFactory(unit_price=Money(minor, currency), quantity=quantity)


def order(*lines: OrderLine) -> Order:
    return OrderFactory(
        lines=lines or (line(),), shipping_address=ADDRESS, now=NOW, payment_timeout=TIMEOUT
    )


def in_status(status: OrderStatus) -> Order:
    """An order walked to ``status`` by legal moves."""
    placed = order()
    path = {
        OrderStatus.PENDING_PAYMENT: [],
        OrderStatus.PAID: [Move.PAY],
        OrderStatus.SHIPPED: [Move.PAY, Move.SHIP],
        OrderStatus.DELIVERED: [Move.PAY, Move.SHIP, Move.DELIVER],
        OrderStatus.CANCELLED: [Move.CANCEL],
    }[status]
    for move in path:
        make(placed, move)
    return placed


def make(target: Order, move: Move) -> None:
    {
        Move.PAY: lambda: target.pay("ch_1", NOW),
        Move.SHIP: lambda: target.ship("TRACK-1", NOW),
        Move.DELIVER: lambda: target.deliver(NOW),
        Move.CANCEL: lambda: target.cancel(CancellationReason.CUSTOMER, NOW),
    }[move]()


@pytest.mark.parametrize("status", list(OrderStatus))
@pytest.mark.parametrize("move", list(Move))
def test_every_move_from_every_status_follows_the_table(status: OrderStatus, move: Move) -> None:
    target = in_status(status)
    legal = TRANSITIONS.get((status, move))
    if legal is None:
        with pytest.raises(InvalidTransition):
            make(target, move)
        assert target.status is status
    else:
        make(target, move)
        assert target.status is legal


def test_the_table_holds_exactly_the_five_moves_of_the_contract() -> None:
    assert {(f.value, m.value, t.value) for (f, m), t in TRANSITIONS.items()} == {
        ("pending_payment", "pay", "paid"),
        ("paid", "ship", "shipped"),
        ("shipped", "deliver", "delivered"),
        ("pending_payment", "cancel", "cancelled"),
        ("paid", "cancel", "cancelled"),
    }


def test_a_placed_order_waits_for_payment_until_its_timeout() -> None:
    placed = order()
    assert placed.status is OrderStatus.PENDING_PAYMENT
    assert placed.payment_expires_at == NOW + TIMEOUT
    assert placed.is_payable(NOW + TIMEOUT - timedelta(seconds=1))
    assert placed.is_expired(NOW + TIMEOUT) and not placed.is_payable(NOW + TIMEOUT)


def test_each_transition_stamps_its_time_and_leaves_an_event() -> None:
    placed = order()
    placed.pay("ch_1", NOW + timedelta(minutes=1))
    placed.ship("  TRACK-9 ", NOW + timedelta(minutes=2))
    placed.deliver(NOW + timedelta(minutes=3))
    assert placed.paid_at == NOW + timedelta(minutes=1) and placed.payment_expires_at is None
    assert placed.shipped_at == NOW + timedelta(minutes=2) and placed.tracking_number == "TRACK-9"
    assert placed.delivered_at == NOW + timedelta(minutes=3)
    names = [type(e).__name__ for e in placed.pull_events()]
    assert names == ["OrderPlaced", "OrderPaid", "OrderShipped", "OrderDelivered"]


def test_cancelling_a_paid_order_says_its_payment_is_due_back() -> None:
    paid = in_status(OrderStatus.PAID)
    assert paid.cancel(CancellationReason.ADMIN, NOW) is True
    assert paid.cancellation_reason is CancellationReason.ADMIN
    assert in_status(OrderStatus.PENDING_PAYMENT).cancel(CancellationReason.CUSTOMER, NOW) is False


def test_the_total_is_the_sum_of_the_line_totals_in_exact_minor_units() -> None:
    placed = order(line(1999, 3), line(1, 1000), line(333, 7))
    assert placed.total == Money(1999 * 3 + 1000 + 333 * 7, USD)
    assert placed.lines[0].line_total.amount == "59.97"


def test_a_total_too_large_for_any_amount_is_refused() -> None:
    dearest = 10**15 - 1
    with pytest.raises(InvalidValue):
        order(line(dearest, 1000), line(dearest, 1000))
    assert order(line(dearest, 1)).total.minor == dearest


@pytest.mark.parametrize("quantity", [0, -1, 1001])
def test_a_quantity_is_one_to_a_thousand(quantity: int) -> None:
    with pytest.raises(InvalidValue):
        line(quantity=quantity)


def test_an_order_has_one_to_fifty_lines_each_product_once_in_one_currency() -> None:
    with pytest.raises(InvalidValue):
        order(*[line() for _ in range(51)])
    twice = line()
    with pytest.raises(InvalidValue):
        order(twice, twice)
    with pytest.raises(CurrencyMismatch):
        order(line(), line(currency=EUR))
    assert len(order(*[line() for _ in range(50)]).lines) == 50


def test_a_declined_payment_counts_an_attempt_and_leaves_the_order_pending() -> None:
    placed = order()
    placed.payment_declined(NOW)
    assert (placed.status, placed.payment_attempts) == (OrderStatus.PENDING_PAYMENT, 1)
    with pytest.raises(InvalidTransition):
        in_status(OrderStatus.PAID).payment_declined(NOW)


@pytest.mark.parametrize("country", ["us", "XX", "USA", "", "U1"])
def test_a_country_is_an_iso_3166_alpha_2_code(country: str) -> None:
    with pytest.raises(InvalidValue):
        Address.parse(name="A", line1="B", city="C", postal_code="1", country=country)


@pytest.mark.parametrize(
    ("field", "value"),
    [("name", "\u200d"), ("line1", "a\u202eb"), ("city", ""), ("postal_code", "1" * 21)],
)
def test_an_address_is_visible_text_of_bounded_length(field: str, value: str) -> None:
    parts = {"name": "A", "line1": "B", "city": "C", "postal_code": "1", "country": "FR"}
    with pytest.raises(InvalidValue):
        Address.parse(**parts | {field: value})


def test_a_tracking_number_is_visible_text() -> None:
    with pytest.raises(InvalidValue):
        in_status(OrderStatus.PAID).ship("\u200b", NOW)
