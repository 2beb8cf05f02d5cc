"""What keeps orders right over time: unpaid orders expire and give their stock back,
refunds the gateway did not answer are tried again, old idempotency keys go. Every
server process may run it at once: each takes rows the others have not locked."""

from application.orders.commands import Upkept
from application.orders.shared import Orders, Refunds, release
from domain.orders import CancellationReason

BATCH = 100


class Upkeep:
    def __init__(self, orders: Orders, refunds: Refunds) -> None:
        self._orders, self._refunds = orders, refunds

    async def __call__(self) -> Upkept:
        return Upkept(
            expired_orders=await self.expire_orders(),
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

    async def _settle_refunds(self) -> int:
        async with self._orders.read_uow() as uow:
            due = await uow.payments.refunds_due(BATCH)
        return await self._refunds.settle(due)

    async def _forget_keys(self) -> int:
        async with self._orders.uow() as uow:
            forgotten = await uow.idempotency_keys.delete_expired(self._orders.clock.now())
            await uow.commit()
        return forgotten
