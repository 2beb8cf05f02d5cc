"""Money's laws, for any amount and any currency's minor digits."""

import pytest
from hypothesis import given
from hypothesis import strategies as st

from domain.shared.errors import InvalidValue
from domain.shared.money import MAX_MINOR, Currency, CurrencyMismatch, Money

currencies = st.sampled_from([Currency("USD"), Currency("JPY"), Currency("BHD"), Currency("EUR")])
minors = st.integers(min_value=0, max_value=MAX_MINOR)


@st.composite
def money(draw: st.DrawFn, currency: Currency | None = None) -> Money:
    return Money(draw(minors), currency or draw(currencies))


@given(money())
def test_an_amount_parses_back_to_the_same_money(price: Money) -> None:
    assert Money.parse(price.amount, price.currency) == price


@given(currencies, minors, minors, minors)
def test_addition_is_commutative_and_associative(
    currency: Currency, a: int, b: int, c: int
) -> None:
    x, y, z = Money(a, currency), Money(b, currency), Money(c, currency)
    assert x + y == y + x
    assert (x + y) + z == x + (y + z)
    assert (x + y) - y == x


@given(money(), st.integers(min_value=0, max_value=1000), st.integers(min_value=0, max_value=1000))
def test_multiplying_by_quantities_distributes(price: Money, m: int, n: int) -> None:
    assert price * (m + n) == price * m + price * n
    assert price * m == m * price


@pytest.mark.parametrize(
    ("amount", "code", "minor"),
    [("19.99", "USD", 1999), ("1999", "JPY", 1999), ("1.234", "BHD", 1234), ("0.00", "EUR", 0)],
)
def test_amounts_have_exactly_the_currencys_minor_digits(
    amount: str, code: str, minor: int
) -> None:
    assert Money.parse(amount, Currency(code)) == Money(minor, Currency(code))
    assert Money(minor, Currency(code)).amount == amount


@pytest.mark.parametrize(
    ("amount", "code"),
    [
        ("19.9", "USD"),
        ("19.999", "USD"),
        ("19", "USD"),
        ("19.00", "JPY"),
        ("1.23", "BHD"),
        ("-1.00", "USD"),
        ("+1.00", "USD"),
        ("1e3", "USD"),
        (" 1.00", "USD"),
        ("1.00\n", "USD"),
        ("\u0661.00", "USD"),  # an Arabic-Indic digit
        ("10000000000000.00", "USD"),  # beyond the largest price
        ("", "USD"),
    ],
)
def test_anything_but_an_exact_decimal_string_is_refused(amount: str, code: str) -> None:
    with pytest.raises(InvalidValue):
        Money.parse(amount, Currency(code))


@pytest.mark.parametrize("amount", [19.99, 1999, None])
def test_a_float_or_a_number_is_not_an_amount(amount: object) -> None:
    with pytest.raises(InvalidValue):
        Money.parse(amount, Currency("USD"))  # type: ignore[arg-type]
    with pytest.raises(TypeError):
        Money(19.99, Currency("USD"))  # type: ignore[arg-type]


@given(money(Currency("USD")), money(Currency("EUR")))
def test_currencies_never_mix(dollars: Money, euros: Money) -> None:
    for mix in (lambda: dollars + euros, lambda: dollars - euros, lambda: dollars < euros):
        with pytest.raises(CurrencyMismatch):
            mix()


@pytest.mark.parametrize("code", ["usd", "US", "DOLLAR", "U$D"])
def test_a_currency_is_three_capital_letters(code: str) -> None:
    with pytest.raises(InvalidValue):
        Currency(code)
