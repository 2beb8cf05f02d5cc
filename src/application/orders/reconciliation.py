"""Reconciling the shop's payments with the gateway's books: every charge the gateway
made must be kept by exactly one paid order or refunded, and every attempt must have an
outcome. Reports each mismatch; with ``fix``, records or refunds what it can."""

from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass

from application.orders.payments import PAYMENT_LEASE, Outcomes
from application.orders.ports import Charge, GatewayCharge
from application.orders.shared import Orders, Refunds
from domain.orders import Payment, PaymentStatus

_CHARGED = (PaymentStatus.SUCCEEDED, PaymentStatus.REFUND_PENDING, PaymentStatus.REFUNDED)
_DUE_BACK = (PaymentStatus.REFUND_PENDING, PaymentStatus.REFUNDED)


@dataclass(frozen=True, slots=True)
class Mismatch:
    kind: str
    detail: str
    fixed: bool = False


@dataclass(frozen=True, slots=True)
class Reconciliation:
    charges: int
    payments: int
    mismatches: tuple[Mismatch, ...]

    @property
    def unresolved(self) -> int:
        return sum(not m.fixed for m in self.mismatches)


class ReconcilePayments:
    def __init__(self, orders: Orders, outcomes: Outcomes, refunds: Refunds) -> None:
        self._orders, self._outcomes, self._refunds = orders, outcomes, refunds

    async def __call__(self, *, fix: bool) -> Reconciliation:
        charges = await self._orders.gateway.charges()
        async with self._orders.read_uow() as uow:
            payments = await uow.payments.every()
        found: list[Mismatch] = []
        by_key = {p.idempotency_key: p for p in payments}
        for charge in charges:
            payment = by_key.get(charge.idempotency_key)
            if (mismatch := await self._check(charge, payment, fix)) is not None:
                found.append(mismatch)
        charged = {c.charge_id for c in charges}
        kept = Counter(p.order_id for p in payments if p.status is PaymentStatus.SUCCEEDED)
        for payment in payments:
            if payment.status in _CHARGED and payment.charge_id not in charged:
                found.append(
                    Mismatch("not_charged", f"payment {payment.id} has no charge at the gateway")
                )
            elif kept[payment.order_id] > 1 and payment.status is PaymentStatus.SUCCEEDED:
                found.append(
                    Mismatch(
                        "kept_twice", f"order {payment.order_id} keeps charge {payment.charge_id}"
                    )
                )
        found += await self._stale_attempts(payments, {c.idempotency_key for c in charges}, fix)
        return Reconciliation(len(charges), len(payments), tuple(found))

    async def _check(
        self, charge: GatewayCharge, payment: Payment | None, fix: bool
    ) -> Mismatch | None:
        what = f"charge {charge.charge_id} of {charge.amount}"
        if payment is None:
            if charge.refunded:
                return None
            if fix:
                await self._orders.gateway.refund(
                    charge_id=charge.charge_id,
                    amount=charge.amount,
                    idempotency_key=f"refund-{charge.idempotency_key}",
                )
            return Mismatch("unknown_charge", f"{what}: no payment of the shop has its key", fix)
        if payment.charge_id != charge.charge_id:
            if fix and payment.awaits_charge:
                await self._outcomes.record(payment, Charge(True, charge.charge_id))
                return Mismatch("unrecorded_charge", f"{what}: payment {payment.id}", True)
            return Mismatch(
                "unrecorded_charge", f"{what}: payment {payment.id} is {payment.status}"
            )
        if charge.refunded and payment.status is PaymentStatus.SUCCEEDED:
            return Mismatch("refunded_but_kept", f"{what}: order {payment.order_id} is paid")
        if not charge.refunded and payment.status in _DUE_BACK:
            if fix:
                await self._refund_again(payment)
            return Mismatch("refund_due", f"{what}: payment {payment.id} is {payment.status}", fix)
        return None

    async def _refund_again(self, payment: Payment) -> None:
        if payment.status is PaymentStatus.REFUND_PENDING:
            await self._refunds.settle([payment])
        else:  # recorded as refunded, missing at the gateway: the same key refunds once
            assert payment.charge_id is not None
            await self._orders.gateway.refund(
                charge_id=payment.charge_id,
                amount=payment.amount,
                idempotency_key=f"refund-{payment.id}",
            )

    async def _stale_attempts(
        self, payments: Sequence[Payment], charged_keys: set[str], fix: bool
    ) -> list[Mismatch]:
        """Attempts pending past their lease with no charge: they failed. (One with a
        charge is an unrecorded charge, above; one within its lease is in flight.)"""
        cutoff = self._orders.clock.now() - PAYMENT_LEASE
        found = []
        for payment in payments:
            if (
                payment.status is PaymentStatus.PENDING
                and payment.created_at < cutoff
                and payment.idempotency_key not in charged_keys
            ):
                if fix:
                    await self._outcomes.record(
                        payment, await self._orders.gateway.find_charge(payment.idempotency_key)
                    )
                found.append(
                    Mismatch("pending_attempt", f"payment {payment.id} was never recorded", fix)
                )
        return found
