import re
from dataclasses import dataclass

from domain.shared.errors import InvalidValue

# Deliberately simple: one "@", a non-empty local part and a dotted domain, no spaces
# or control characters. Deliverability is proven by sending mail, not by a regex.
_SHAPE = re.compile(r"^[^@\s\x00-\x1f\x7f]+@[^@\s\x00-\x1f\x7f]+\.[^@\s.\x00-\x1f\x7f]+$")
MAX_LENGTH = 254
MAX_LOCAL_LENGTH = 64


@dataclass(frozen=True, slots=True)
class Email:
    """A normalised (trimmed, lower-case) email address: unique case-insensitively."""

    value: str

    @classmethod
    def parse(cls, raw: str) -> "Email":
        value = raw.strip().lower()
        if len(value) > MAX_LENGTH or not _SHAPE.match(value):
            raise InvalidValue("email", "Not a valid email address")
        if len(value.split("@", 1)[0]) > MAX_LOCAL_LENGTH:
            raise InvalidValue("email", "The part before @ is longer than 64 characters")
        return cls(value)

    def __str__(self) -> str:
        return self.value
