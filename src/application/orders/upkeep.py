"""What keeps orders right over time: unpaid orders expire and give their stock back,
payment attempts whose outcome was never recorded are settled from the gateway's books,
refunds the gateway did not answer are tried again, old idempotency keys go. Every
server process may run it at once: each takes rows the others have not locked."""

from application.orders.commands import Upkept
from application.orders.payments import PAYMENT_LEASE, Outcomes
from application.orders.shared import Orders, Refunds, release
from domain.orders import CancellationReason
from domain.shared.errors import ServiceUnavailable

BATCH = 100


class Upkeep:
    def __init__(self, orders: Orders, refunds: Refunds, outcomes: Outcomes) -> None:
        self._orders, self._refunds, self._outcomes = orders, refunds, outcomes

    async def __call__(self) -> Upkept:
        return Upkept(
            expired_orders=await self.expire_orders(),
            payments_reconciled=await self.reconcile_payments(),
            refunds_settled=await self._settle_refunds(),
            keys_forgotten=await self._forget_keys(),
        )

    async def expire_orders(self) -> int:
        """Cancels the pending orders whose payment time is up (reason
        ``payment_timeout``) and releases their stock, a batch per transaction."""
        orders, expired = self._orders, 0
        while True:
            now = orders.clock.now()
            async with orders.uow() as uow:
                batch = await uow.orders.expired(now, BATCH)
                if batch:
                    reason = CancellationReason.PAYMENT_TIMEOUT
                    await release(uow, batch, reason, ids=orders.ids, now=now)
                    await uow.commit()
            expired += len(batch)
            if len(batch) < BATCH:
                return expired

    async def reconcile_payments(self) -> int:
        """Records what the gateway did with the attempts left pending past their lease
        (the process died, or the gateway never answered): a charge it made is kept or
        refunded, no charge fails the attempt. A gateway still down leaves them pending."""
        orders = self._orders
        async with orders.read_uow() as uow:
            stale = await uow.payments.pending(orders.clock.now() - PAYMENT_LEASE, BATCH)
        reconciled = 0
        for attempt in stale:
            try:
                charge = await orders.gateway.find_charge(attempt.idempotency_key)
            except ServiceUnavailable:
                continue
            await self._outcomes.record(attempt, charge)
            reconciled += 1
        return reconciled

    async def _settle_refunds(self) -> int:
        async with self._orders.read_uow() as uow:
            due = await uow.payments.refunds_due(BATCH)
        return await self._refunds.settle(due)

    async def _forget_keys(self) -> int:
        async with self._orders.uow() as uow:
            forgotten = await uow.idempotency_keys.delete_expired(self._orders.clock.now())
            await uow.commit()
        return forgotten
