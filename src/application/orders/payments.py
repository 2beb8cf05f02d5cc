"""Paying for an order, and giving money back. The gateway is never called inside a
transaction or under a lock: the order is checked and locked briefly before the
charge, and again after it, when the answer is written."""

from application.orders.commands import PayOrder, Replay
from application.orders.ports import Charge, IdempotencyRecord
from application.orders.shared import Orders, Refunds, release, visible
from domain.orders import (
    CancellationReason,
    InvalidTransition,
    Move,
    Order,
    Payment,
    PaymentDeclined,
    PaymentStatus,
)
from domain.shared.errors import Forbidden
from domain.shared.money import Money


class PayOrderHandler:
    """The customer pays a pending order. Each attempt has its own gateway key
    (order and attempt number), so a retried or doubled request charges once."""

    def __init__(self, orders: Orders, refunds: Refunds) -> None:
        self._orders, self._refunds = orders, refunds

    async def __call__(self, cmd: PayOrder) -> Order | Replay:
        return await self._orders.idempotency.run(
            cmd.actor.user_id, cmd.idempotency, lambda claim: self._pay(cmd, claim)
        )

    async def _pay(self, cmd: PayOrder, claim: IdempotencyRecord | None) -> Order:
        attempt, amount = await self._payable(cmd)
        charge = await self._orders.gateway.charge(
            token=cmd.payment_token,
            amount=amount,
            idempotency_key=f"order-{cmd.order_id}-attempt-{attempt}",
        )
        if not charge.approved:
            await self._declined(cmd, attempt)
            raise PaymentDeclined("The payment was declined; the order still awaits payment")
        order, refund = await self._settle(cmd, charge, attempt, amount, claim)
        if refund is None:
            return order
        await self._refunds.settle([refund])
        raise InvalidTransition("The order was cancelled before its payment; it is refunded")

    async def _payable(self, cmd: PayOrder) -> tuple[int, Money]:
        """The attempt number and amount to charge, if the order may be paid now. An
        order whose time is up is cancelled here and then, its stock released."""
        orders, now = self._orders, self._orders.clock.now()
        async with orders.uow() as uow:
            order = visible(
                await uow.orders.get(cmd.order_id, for_update=True), cmd.actor, cmd.order_id
            )
            if order.customer_id != cmd.actor.user_id:
                raise Forbidden("Only the customer pays for an order")
            if order.is_expired(now):
                await release(
                    uow, [order], CancellationReason.PAYMENT_TIMEOUT, ids=orders.ids, now=now
                )
                await uow.commit()
                raise InvalidTransition("The order's payment time is up; it is cancelled")
            if not order.can(Move.PAY):
                raise InvalidTransition(f"A {order.status.value} order cannot be paid")
            return order.payment_attempts, order.total

    async def _declined(self, cmd: PayOrder, attempt: int) -> None:
        orders, now = self._orders, self._orders.clock.now()
        async with orders.uow() as uow:
            order = await uow.orders.get(cmd.order_id, for_update=True)
            # A doubled request with the same attempt records the decline once.
            if order is not None and order.can(Move.PAY) and order.payment_attempts == attempt:
                order.payment_declined(now)
                await uow.payments.add(self._payment(order, attempt, PaymentStatus.DECLINED, None))
                await uow.orders.save_many([order])
                await uow.commit()

    async def _settle(
        self,
        cmd: PayOrder,
        charge: Charge,
        attempt: int,
        amount: Money,
        claim: IdempotencyRecord | None,
    ) -> tuple[Order, Payment | None]:
        """Writes the charge to the order. A pending order is paid (even if its time ran
        out meanwhile: its stock is still held). The same charge again finds it paid.
        An order cancelled meanwhile gets the charge back (answered, to refund)."""
        orders, now = self._orders, self._orders.clock.now()
        async with orders.uow() as uow:
            order = await uow.orders.get(cmd.order_id, for_update=True)
            assert order is not None  # orders are never deleted
            payments = await uow.payments.for_order(order.id)
            if any(p.charge_id == charge.charge_id for p in payments):
                # A doubled request (another key, or none): the first one paid.
                await orders.idempotency.complete(uow, claim, order)
                await uow.commit()
                return order, None
            if order.can(Move.PAY):
                order.pay(str(charge.charge_id), now)
                await uow.payments.add(
                    self._payment(order, attempt, PaymentStatus.SUCCEEDED, charge.charge_id)
                )
                await uow.orders.save_many([order])
                await orders.idempotency.complete(uow, claim, order)
                await uow.commit()
                return order, None
            refund = self._payment(order, attempt, PaymentStatus.REFUND_PENDING, charge.charge_id)
            await uow.payments.add(refund)
            await uow.commit()
        return order, refund

    def _payment(
        self, order: Order, attempt: int, status: PaymentStatus, charge_id: str | None
    ) -> Payment:
        now = self._orders.clock.now()
        return Payment(
            id=self._orders.ids.new_id(),
            order_id=order.id,
            attempt=attempt,
            amount=order.total,
            status=status,
            charge_id=charge_id,
            created_at=now,
            updated_at=now,
        )
