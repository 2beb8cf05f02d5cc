"""What the order use cases share: their ports, who may see an order, cancelling with
the stock put back, and refunds."""

from collections.abc import Callable, Sequence
from contextlib import suppress
from datetime import datetime, timedelta
from uuid import UUID

from application.orders.idempotency import Idempotency
from application.orders.ports import OrdersReader, OrdersUnitOfWork, PaymentGateway
from application.shared.actor import Actor
from application.shared.ports import Clock, IdGenerator
from domain.catalog import MovementKind
from domain.orders import CancellationReason, Order, Payment, PaymentStatus
from domain.shared.errors import NotFound, ServiceUnavailable
from domain.shared.money import Currency


class Orders:
    """The ports every order use case shares."""

    def __init__(
        self,
        *,
        uow: Callable[[], OrdersUnitOfWork],
        read_uow: Callable[[], OrdersReader],
        ids: IdGenerator,
        clock: Clock,
        gateway: PaymentGateway,
        idempotency: Idempotency,
        store_currency: Currency,
        payment_timeout: timedelta,
        max_pending: int,
    ) -> None:
        self.uow, self.read_uow, self.ids, self.clock = uow, read_uow, ids, clock
        self.gateway, self.idempotency = gateway, idempotency
        self.store_currency, self.payment_timeout = store_currency, payment_timeout
        self.max_pending = max_pending


def visible(order: Order | None, actor: Actor, order_id: UUID) -> Order:
    """The order, if the actor may see it: its customer, or an admin. Anyone else is
    told it does not exist."""
    if order is None or not (actor.is_admin or order.customer_id == actor.user_id):
        raise NotFound(f"No order {order_id}")
    return order


async def release(
    uow: OrdersUnitOfWork,
    orders: Sequence[Order],
    reason: CancellationReason,
    *,
    ids: IdGenerator,
    now: datetime,
) -> list[Payment]:
    """Cancels ``orders``, puts their stock back (a movement per line) and marks their
    payments for refund; answers those payments, for the gateway once committed."""
    paid = [order.id for order in orders if order.cancel(reason, now)]
    product_ids = {line.product_id for order in orders for line in order.lines}
    products = {p.id: p for p in await uow.products.get_many(product_ids, for_update=True)}
    movements = [
        products[line.product_id].adjust_stock(
            line.quantity,
            movement_id=ids.new_id(),
            kind=MovementKind.ORDER_RELEASE,
            reason=f"order cancelled ({reason.value})",
            now=now,
            order_id=order.id,
        )
        for order in orders
        for line in order.lines
    ]
    refunds = []
    for order_id in paid:
        for payment in await uow.payments.for_order(order_id, for_update=True):
            if payment.status is PaymentStatus.SUCCEEDED:
                payment.refund_due(now)
                await uow.payments.save(payment)
                refunds.append(payment)
    await uow.products.save_many(list(products.values()))
    await uow.stock_movements.add_many(movements)
    await uow.orders.save_many(orders)
    return refunds


class Refunds:
    """Hands back the money of payments marked for refund. A gateway that does not
    answer leaves them marked; the upkeep tries again."""

    def __init__(self, orders: Orders) -> None:
        self._orders = orders

    async def settle(self, payments: Sequence[Payment]) -> int:
        settled = 0
        for payment in payments:
            with suppress(ServiceUnavailable):
                await self._settle(payment)
                settled += 1
        return settled

    async def _settle(self, payment: Payment) -> None:
        orders = self._orders
        assert payment.charge_id is not None  # only a charge is refunded
        refund_id = await orders.gateway.refund(
            charge_id=payment.charge_id,
            amount=payment.amount,
            idempotency_key=f"refund-{payment.id}",
        )
        async with orders.uow() as uow:
            stored = await uow.payments.get(payment.id, for_update=True)
            if stored is not None and stored.status is PaymentStatus.REFUND_PENDING:
                stored.refunded(refund_id, orders.clock.now())
                await uow.payments.save(stored)
                await uow.commit()
