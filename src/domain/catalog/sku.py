import re
from dataclasses import dataclass

from domain.shared.errors import InvalidValue

MAX_LENGTH = 64
PATTERN = r"^[A-Za-z0-9._-]{1,64}$"
_SHAPE = re.compile(PATTERN)


@dataclass(frozen=True, slots=True)
class Sku:
    """A stock-keeping unit: 1 to 64 of ``A-Z a-z 0-9 - _ .``, kept as written, unique
    case-insensitively (``key``)."""

    value: str

    @classmethod
    def parse(cls, raw: str) -> "Sku":
        if not _SHAPE.fullmatch(raw):
            raise InvalidValue("sku", "A SKU is 1 to 64 of A-Z a-z 0-9 - _ .")
        return cls(raw)

    @property
    def key(self) -> str:
        return self.value.lower()

    def __str__(self) -> str:
        return self.value
