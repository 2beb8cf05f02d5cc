"""Paying for an order, as a payment intent. Under the order's lock an attempt is
claimed (a payment of its own, ``pending``) and committed; the gateway is asked outside
any transaction, with the attempt's id as its idempotency key; its answer is then
recorded on the attempt, under the lock again. An attempt whose answer was never
recorded (a crash, a timeout) is reconciled by the upkeep from the gateway's books."""

from datetime import timedelta

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
from domain.shared.errors import Forbidden, InvalidValue, ServiceUnavailable

# How long an attempt may wait for the gateway before the upkeep looks its charge up:
# far longer than any charge takes, so a slow answer is never taken for none.
PAYMENT_LEASE = timedelta(minutes=2)


class Outcomes:
    """Records what the gateway did with an attempt: for the request that made it, and
    for the reconciliation that found it pending. Recording twice changes nothing."""

    def __init__(self, orders: Orders, refunds: Refunds) -> None:
        self._orders, self._refunds = orders, refunds

    async def record(
        self, attempt: Payment, charge: Charge | None, claim: IdempotencyRecord | None = None
    ) -> tuple[Order, Payment]:
        """``charge`` None: nothing was charged. A charge approved for an order that can
        no longer be paid (cancelled, or paid by another attempt) is refunded."""
        orders, now = self._orders, self._orders.clock.now()
        async with orders.uow() as uow:
            # The order first, as every writer of an order's payments locks them.
            order = await uow.orders.get(attempt.order_id, for_update=True)
            payment = await uow.payments.get(attempt.id, for_update=True)
            assert order is not None and payment is not None  # neither is ever deleted
            if not _open(payment, charge):
                return order, payment
            if charge is None:
                payment.failed(now)
            elif not charge.approved:
                payment.declined(now)
                if order.can(Move.PAY):
                    order.payment_declined(now)
                    await uow.orders.save_many([order])
            else:
                assert charge.charge_id is not None  # an approved charge has an id
                keep = order.can(Move.PAY)
                payment.charged(charge.charge_id, now, keep=keep)
                if keep:
                    order.pay(charge.charge_id, now)
                    await uow.orders.save_many([order])
                    await orders.idempotency.complete(uow, claim, order)
            await uow.payments.save(payment)
            await uow.commit()
        if payment.status is PaymentStatus.REFUND_PENDING:
            await self._refunds.settle([payment])
        return order, payment


def _open(payment: Payment, charge: Charge | None) -> bool:
    """Whether ``charge`` is news for ``payment``: its outcome is not recorded yet, or a
    charge turned up for an attempt taken for failed."""
    if payment.status is PaymentStatus.PENDING:
        return True
    return payment.awaits_charge and charge is not None and charge.approved


class PayOrderHandler:
    """The customer pays a pending order; one attempt at a time (409
    ``payment_in_progress`` while one is out), each charged at most once."""

    def __init__(self, orders: Orders, outcomes: Outcomes) -> None:
        self._orders, self._outcomes = orders, outcomes

    async def __call__(self, cmd: PayOrder) -> Order | Replay:
        return await self._orders.idempotency.run(
            cmd.actor.user_id, cmd.idempotency, lambda claim: self._pay(cmd, claim)
        )

    async def _pay(self, cmd: PayOrder, claim: IdempotencyRecord | None) -> Order:
        attempt = await self._claim(cmd)
        try:
            charge = await self._orders.gateway.charge(
                token=cmd.payment_token,
                amount=attempt.amount,
                idempotency_key=attempt.idempotency_key,
            )
        except (InvalidValue, ServiceUnavailable):
            await self._outcomes.record(attempt, None)  # nothing was charged
            raise
        except Exception as error:
            # Charged or not, nobody knows: the attempt stays pending, for the upkeep to
            # look its charge up once its lease is over.
            raise ServiceUnavailable(
                "The payment gateway did not answer; this payment will be settled shortly",
                retry_after=int(PAYMENT_LEASE.total_seconds()),
            ) from error
        order, payment = await self._outcomes.record(attempt, charge, claim)
        if payment.status is PaymentStatus.SUCCEEDED:
            return order
        if payment.status in (PaymentStatus.DECLINED, PaymentStatus.FAILED):
            raise PaymentDeclined("The payment was declined; the order still awaits payment")
        raise InvalidTransition("The order can no longer be paid; the charge is refunded")

    async def _claim(self, cmd: PayOrder) -> Payment:
        """A new attempt, committed, if the order may be paid now. An order whose time
        is up is cancelled here and then, its stock released."""
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
            attempt = Payment.claim(
                id=orders.ids.new_id(),
                order_id=order.id,
                amount=order.total,
                earlier=await uow.payments.for_order(order.id),
                now=now,
            )
            await uow.payments.add(attempt)
            await uow.commit()
        return attempt
