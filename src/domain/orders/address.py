from dataclasses import dataclass
from typing import Self

from domain.orders.countries import COUNTRY_CODES
from domain.shared.errors import InvalidValue
from domain.shared.text import clean_text

# The longest each part may be, and whether it may be left out.
FIELD_LIMITS = {"name": 200, "line1": 200, "line2": 200, "city": 100, "postal_code": 20}
_OPTIONAL = {"line2"}


def _clean(field: str, value: str) -> str:
    shortest = 0 if field in _OPTIONAL else 1
    return clean_text(field, value, longest=FIELD_LIMITS[field], shortest=shortest)


@dataclass(frozen=True, slots=True)
class Address:
    """Where an order goes. ``country`` is an ISO 3166-1 alpha-2 code."""

    name: str
    line1: str
    city: str
    postal_code: str
    country: str
    line2: str = ""

    @classmethod
    def parse(
        cls, *, name: str, line1: str, city: str, postal_code: str, country: str, line2: str = ""
    ) -> Self:
        if country not in COUNTRY_CODES:
            raise InvalidValue("country", "A country is an ISO 3166-1 alpha-2 code, such as 'US'")
        return cls(
            name=_clean("name", name),
            line1=_clean("line1", line1),
            line2=_clean("line2", line2),
            city=_clean("city", city),
            postal_code=_clean("postal_code", postal_code),
            country=country,
        )
