"""The built-in payment gateway: a deterministic fake, for development, demos and tests.

``tok_visa`` and ``tok_mastercard`` are approved, ``tok_chargeDeclined`` is declined,
any other token is refused. Ids are derived from the idempotency key, so the same key
gives the same charge, in every process, as a real gateway's keys do.
"""

import hashlib

from application.orders.ports import Charge
from domain.shared.errors import InvalidValue
from domain.shared.money import Money

APPROVED = frozenset({"tok_visa", "tok_mastercard"})
DECLINED = frozenset({"tok_chargeDeclined"})


def _id(prefix: str, idempotency_key: str) -> str:
    return prefix + hashlib.sha256(idempotency_key.encode()).hexdigest()[:24]


class FakePaymentGateway:
    def __init__(self) -> None:
        # What it was asked, by key: tests count charges and refunds here.
        self.charges: dict[str, Charge] = {}
        self.refunds: dict[str, str] = {}

    async def charge(self, *, token: str, amount: Money, idempotency_key: str) -> Charge:
        if token not in APPROVED | DECLINED:
            raise InvalidValue("payment_token", "Unknown payment token; try 'tok_visa'")
        approved = token in APPROVED
        charge = Charge(approved, _id("ch_", idempotency_key) if approved else None)
        return self.charges.setdefault(idempotency_key, charge)

    async def refund(self, *, charge_id: str, amount: Money, idempotency_key: str) -> str:
        return self.refunds.setdefault(idempotency_key, _id("re_", idempotency_key))
