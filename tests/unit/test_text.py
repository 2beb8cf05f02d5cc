"""One rule for every text field people read, whichever context holds it."""

from collections.abc import Callable
from datetime import UTC, datetime
from uuid import uuid4

import pytest

from domain.catalog.product import clean_description, clean_name, clean_reason
from domain.orders import Address
from domain.orders.order import clean_tracking_number
from domain.shared.errors import InvalidValue
from domain.users import Email, User


def _address_line(text: str) -> str:
    return Address.parse(
        name="Ada", line1=text, city="London", postal_code="N1", country="GB"
    ).line1


def _full_name(text: str) -> str:
    now = datetime(2026, 1, 1, tzinfo=UTC)
    user = User.register(
        id=uuid4(), email=Email.parse("a@example.com"), full_name=text, password_hash="x", now=now
    )
    return user.full_name


FIELDS: dict[str, Callable[[str], str]] = {
    "product name": clean_name,
    "product description": clean_description,
    "stock reason": clean_reason,
    "tracking number": clean_tracking_number,
    "address line": _address_line,
    "full name": _full_name,
}


@pytest.mark.parametrize("clean", FIELDS.values(), ids=FIELDS.keys())
@pytest.mark.parametrize(
    "hidden",
    [
        "Mug\u202egum",  # a bidi override turns what follows round
        "Mug\u2066x\u2069",  # an isolate
        "Mug\x00",  # a control character
        "Mug\x1b[31m",  # an escape sequence
        "\u200b\u200b",  # nothing a reader can see
    ],
)
def test_hidden_and_reordering_characters_are_refused_everywhere(
    clean: Callable[[str], str], hidden: str
) -> None:
    with pytest.raises(InvalidValue):
        clean(hidden)


@pytest.mark.parametrize("clean", FIELDS.values(), ids=FIELDS.keys())
def test_text_is_composed_and_trimmed_everywhere(clean: Callable[[str], str]) -> None:
    assert clean("  Cafe\u0301 noir ") == "Café noir"


@pytest.mark.parametrize(
    "clean", [f for name, f in FIELDS.items() if name != "product description"]
)
def test_a_line_of_text_has_its_runs_of_white_space_made_one_space(
    clean: Callable[[str], str],
) -> None:
    assert clean("Blue\t\tenamel \n mug") == "Blue enamel mug"


def test_a_description_keeps_its_lines_and_tabs() -> None:
    assert clean_description(" Made by hand.\n\n\tDishwasher safe. ") == (
        "Made by hand.\n\n\tDishwasher safe."
    )
