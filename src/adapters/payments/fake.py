"""The built-in payment gateway: a deterministic fake, for development, demos and tests.

``tok_visa`` and ``tok_mastercard`` are approved, ``tok_chargeDeclined`` is declined,
any other token is refused. It keeps its own books, as a real provider's dashboard
does: every charge and refund by its idempotency key, so the same key answers what it
did the first time, in every process and after a restart (the books are a table of
their own in the app, a dict in the unit tests).
"""

import hashlib
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Literal, Protocol

from application.orders.ports import Charge, GatewayCharge
from domain.shared.errors import InvalidValue
from domain.shared.money import Money

APPROVED = frozenset({"tok_visa", "tok_mastercard"})
DECLINED = frozenset({"tok_chargeDeclined"})


@dataclass(frozen=True, slots=True)
class Entry:
    """A line of the gateway's books: a charge (approved or declined) or a refund."""

    idempotency_key: str
    kind: Literal["charge", "refund"]
    approved: bool
    reference: str | None  # ch_… or re_…; None for a declined charge
    amount: Money
    charge_id: str | None = None  # what a refund gives back


class GatewayBooks(Protocol):
    async def write(self, entry: Entry) -> Entry:
        """Keeps ``entry`` unless its key is in the books; answers what the books hold."""

    async def find(self, idempotency_key: str) -> Entry | None: ...

    async def entries(self) -> Sequence[Entry]: ...


class MemoryGatewayBooks:
    def __init__(self) -> None:
        self.entries_by_key: dict[str, Entry] = {}

    async def write(self, entry: Entry) -> Entry:
        return self.entries_by_key.setdefault(entry.idempotency_key, entry)

    async def find(self, idempotency_key: str) -> Entry | None:
        return self.entries_by_key.get(idempotency_key)

    async def entries(self) -> Sequence[Entry]:
        return list(self.entries_by_key.values())


def _id(prefix: str, idempotency_key: str) -> str:
    return prefix + hashlib.sha256(idempotency_key.encode()).hexdigest()[:24]


class FakePaymentGateway:
    name = "fake"

    def __init__(self, books: GatewayBooks) -> None:
        self.books = books

    async def charge(self, *, token: str, amount: Money, idempotency_key: str) -> Charge:
        if token not in APPROVED | DECLINED:
            raise InvalidValue("payment_token", "Unknown payment token; try 'tok_visa'")
        approved = token in APPROVED
        reference = _id("ch_", idempotency_key) if approved else None
        entry = await self.books.write(
            Entry(idempotency_key, "charge", approved, reference, amount)
        )
        return Charge(entry.approved, entry.reference)

    async def refund(self, *, charge_id: str, amount: Money, idempotency_key: str) -> str:
        reference = _id("re_", idempotency_key)
        entry = await self.books.write(
            Entry(idempotency_key, "refund", True, reference, amount, charge_id)
        )
        assert entry.reference is not None  # a refund always has one
        return entry.reference

    async def find_charge(self, idempotency_key: str) -> Charge | None:
        entry = await self.books.find(idempotency_key)
        if entry is None or entry.kind != "charge":
            return None
        return Charge(entry.approved, entry.reference)

    async def charges(self) -> Sequence[GatewayCharge]:
        entries = await self.books.entries()
        refunded = {e.charge_id for e in entries if e.kind == "refund"}
        return [
            GatewayCharge(e.idempotency_key, e.reference, e.amount, e.reference in refunded)
            for e in entries
            if e.kind == "charge" and e.approved and e.reference is not None
        ]
