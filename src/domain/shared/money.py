"""Money: an amount in integer minor units of a currency. Never a float anywhere."""

import re
from dataclasses import dataclass
from typing import Self

from domain.shared.errors import InvalidInput, InvalidValue

# ISO 4217 minor units of the currencies a store is likely to sell in; the rest have 2.
_MINOR_DIGITS = {
    "BHD": 3, "IQD": 3, "JOD": 3, "KWD": 3, "LYD": 3, "OMR": 3, "TND": 3,
    "BIF": 0, "CLP": 0, "DJF": 0, "GNF": 0, "ISK": 0, "JPY": 0, "KMF": 0, "KRW": 0,
    "PYG": 0, "RWF": 0, "UGX": 0, "UYI": 0, "VND": 0, "VUV": 0, "XAF": 0, "XOF": 0, "XPF": 0,
}  # fmt: skip
_CODE = re.compile(r"^[A-Z]{3}$")
_DECIMAL = re.compile(r"([0-9]{1,18})(?:\.([0-9]{1,3}))?")
# Amounts a store prices in: far below what a 64-bit column holds, even multiplied.
MAX_MINOR = 10**15 - 1


class CurrencyMismatch(InvalidInput):
    code = "currency_mismatch"
    title = "Currency mismatch"


@dataclass(frozen=True, slots=True)
class Currency:
    code: str

    def __post_init__(self) -> None:
        if not _CODE.match(self.code):
            raise InvalidValue("currency", "A currency is three capital letters (ISO 4217)")

    @property
    def minor_digits(self) -> int:
        return _MINOR_DIGITS.get(self.code, 2)

    def __str__(self) -> str:
        return self.code


@dataclass(frozen=True, slots=True, order=False)
class Money:
    """``minor`` units of ``currency`` (cents for USD, yen for JPY, fils for BHD)."""

    minor: int
    currency: Currency

    def __post_init__(self) -> None:
        if not isinstance(self.minor, int) or isinstance(self.minor, bool):
            raise TypeError("money is counted in integer minor units")

    @classmethod
    def parse(cls, amount: str, currency: Currency, *, field: str = "amount") -> Self:
        """A decimal string with exactly the currency's minor digits ("19.99" in USD,
        "1999" in JPY); never a float, never a sign, never a digit too many or too few."""
        if not isinstance(amount, str):
            raise InvalidValue(field, "An amount is a decimal string, such as '19.99'")
        match = _DECIMAL.fullmatch(amount)
        digits = currency.minor_digits
        fraction = match.group(2) or "" if match else ""
        if match is None or len(fraction) != digits or (digits == 0 and "." in amount):
            example = "1" + ("." + "0" * digits if digits else "")
            raise InvalidValue(
                field,
                f"An amount in {currency} is a non-negative decimal with exactly {digits} "
                f"digits after the point, such as '{example}'",
            )
        minor = int(match.group(1) + fraction)
        if minor > MAX_MINOR:
            raise InvalidValue(field, f"An amount is at most {cls(MAX_MINOR, currency).amount}")
        return cls(minor, currency)

    @classmethod
    def zero(cls, currency: Currency) -> Self:
        return cls(0, currency)

    @property
    def amount(self) -> str:
        """The decimal string, with exactly the currency's minor digits."""
        digits = self.currency.minor_digits
        sign, units = ("-" if self.minor < 0 else ""), abs(self.minor)
        if digits == 0:
            return f"{sign}{units}"
        whole, fraction = divmod(units, 10**digits)
        return f"{sign}{whole}.{fraction:0{digits}d}"

    @property
    def is_negative(self) -> bool:
        return self.minor < 0

    def __add__(self, other: "Money") -> "Money":
        return Money(self.minor + self._same(other).minor, self.currency)

    def __sub__(self, other: "Money") -> "Money":
        return Money(self.minor - self._same(other).minor, self.currency)

    def __mul__(self, quantity: int) -> "Money":
        if not isinstance(quantity, int) or isinstance(quantity, bool):
            raise TypeError("money is multiplied by whole quantities only")
        return Money(self.minor * quantity, self.currency)

    __rmul__ = __mul__

    def __lt__(self, other: "Money") -> bool:
        return self.minor < self._same(other).minor

    def __le__(self, other: "Money") -> bool:
        return self.minor <= self._same(other).minor

    def _same(self, other: "Money") -> "Money":
        if other.currency != self.currency:
            raise CurrencyMismatch(f"{other.currency} cannot be mixed with {self.currency}")
        return other

    def __str__(self) -> str:
        return f"{self.amount} {self.currency}"
