import re
import unicodedata
from dataclasses import dataclass

from domain.shared.errors import InvalidValue
from domain.shared.text import has_hidden_characters, mixed_scripts

# Deliberately simple: one "@", a non-empty local part and a dotted domain, no spaces.
# Deliverability is proven by sending mail, not by a regex.
_SHAPE = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s.]+$")
MAX_LENGTH = 254
MAX_LOCAL_LENGTH = 64


def normalise(raw: str) -> str:
    """NFKC with case folding (Unicode's NFKC_Casefold, short of its ignorables): the
    composed and decomposed "é", a fullwidth "A" (U+FF21) and an "A" become one spelling."""
    return unicodedata.normalize("NFKC", unicodedata.normalize("NFKC", raw.strip()).casefold())


@dataclass(frozen=True, slots=True)
class Email:
    """A normalised email address, unique in that form. Addresses that only *look*
    like another are refused: invisible, control and bidi characters, and labels that
    mix scripts (a Cyrillic "e", U+0435, among Latin letters)."""

    value: str

    @classmethod
    def parse(cls, raw: str) -> "Email":
        if has_hidden_characters(raw.strip()):
            raise InvalidValue("email", "An email address has no invisible or control characters")
        value = normalise(raw)
        if len(value) > MAX_LENGTH or not _SHAPE.match(value):
            raise InvalidValue("email", "Not a valid email address")
        local, domain = value.split("@")
        if len(local) > MAX_LOCAL_LENGTH:
            raise InvalidValue("email", "The part before @ is longer than 64 characters")
        if any(mixed_scripts(label) for label in [local, *domain.split(".")]):
            raise InvalidValue("email", "A part of the address mixes scripts (look-alike letters)")
        return cls(value)

    def __str__(self) -> str:
        return self.value
