"""Use cases of orders: placing them (stock reserved), reading them, and every move of
their state machine but paying (``payments``)."""

from collections.abc import Iterable

from application.orders.commands import (
    CancelOrder,
    DeliverOrder,
    GetOrder,
    ListOrders,
    OrderPage,
    PlaceOrder,
    Replay,
    ShipOrder,
)
from application.orders.ports import IdempotencyRecord, OrderQuery
from application.orders.shared import Orders, Refunds, release, visible
from application.shared.pages import split_page
from domain.catalog import MovementKind, Product
from domain.orders import (
    MAX_LINES,
    Address,
    CancellationReason,
    Order,
    OrderLine,
    OutOfStock,
    UnknownProduct,
    check_room_to_hold,
)
from domain.shared.errors import Forbidden, InvalidValue
from domain.shared.money import CurrencyMismatch


class PlaceOrderHandler:
    """Reserves the stock of every line in one transaction, or of none. The products
    are locked in id order, so concurrent orders queue instead of overselling or
    deadlocking."""

    def __init__(self, orders: Orders) -> None:
        self._orders = orders

    async def __call__(self, cmd: PlaceOrder) -> Order | Replay:
        return await self._orders.idempotency.run(
            cmd.actor.user_id, cmd.idempotency, lambda claim: self._place(cmd, claim)
        )

    async def _place(self, cmd: PlaceOrder, claim: IdempotencyRecord | None) -> Order:
        orders = self._orders
        if cmd.actor.user_id is None:
            raise Forbidden("Orders are placed by customers")
        requested = cmd.shipping_address
        address = Address.parse(
            name=requested.name,
            line1=requested.line1,
            line2=requested.line2,
            city=requested.city,
            postal_code=requested.postal_code,
            country=requested.country,
        )
        wanted = {line.product_id: line.quantity for line in cmd.lines}
        if not 1 <= len(cmd.lines) <= MAX_LINES:
            raise InvalidValue("lines", f"An order has 1 to {MAX_LINES} lines")
        if len(wanted) != len(cmd.lines):
            raise InvalidValue("lines", "A product appears at most once in an order")
        order_id, now = orders.ids.new_id(), orders.clock.now()
        async with orders.uow() as uow:
            check_room_to_hold(
                await uow.orders.count_pending(cmd.actor.user_id), orders.max_pending
            )
            found = await uow.products.get_many(wanted, for_update=True)
            products = {p.id: p for p in found if p.is_active}
            unknown = [product_id for product_id in wanted if product_id not in products]
            if unknown:
                raise UnknownProduct(unknown)
            self._check_currency(products.values())
            short = {str(p.sku): p.stock for p in products.values() if p.stock < wanted[p.id]}
            if short:
                raise OutOfStock(short)
            lines = tuple(
                OrderLine(p.id, str(p.sku), p.name, p.price, wanted[p.id])
                for p in (products[line.product_id] for line in cmd.lines)
            )
            order = Order.place(
                id=order_id,
                customer_id=cmd.actor.user_id,
                lines=lines,
                shipping_address=address,
                now=now,
                payment_timeout=orders.payment_timeout,
            )
            movements = [
                products[line.product_id].adjust_stock(
                    -line.quantity,
                    movement_id=orders.ids.new_id(),
                    kind=MovementKind.ORDER_RESERVATION,
                    reason="order placed",
                    now=now,
                    actor_id=cmd.actor.user_id,
                    order_id=order_id,
                )
                for line in lines
            ]
            await uow.products.save_many(list(products.values()))
            await uow.stock_movements.add_many(movements)
            await uow.orders.add(order)
            await orders.idempotency.complete(uow, claim, order)
            await uow.commit()
        return order

    def _check_currency(self, products: Iterable[Product]) -> None:
        store = self._orders.store_currency
        for product in products:
            if product.price.currency != store:
                raise CurrencyMismatch(f"SKU {product.sku} is priced in {product.price.currency}")


class GetOrderHandler:
    def __init__(self, orders: Orders) -> None:
        self._orders = orders

    async def __call__(self, query: GetOrder) -> Order:
        async with self._orders.read_uow() as uow:
            order = await uow.orders.get(query.order_id)
        return visible(order, query.actor, query.order_id)


class ListOrdersHandler:
    def __init__(self, orders: Orders) -> None:
        self._orders = orders

    async def __call__(self, cmd: ListOrders) -> OrderPage:
        customer_id = cmd.customer_id
        if not cmd.actor.is_admin:
            if customer_id not in (None, cmd.actor.user_id):
                raise Forbidden("Only admins may see other customers' orders")
            customer_id = cmd.actor.user_id
        query = OrderQuery(customer_id, cmd.status, cmd.limit + 1, cmd.after)
        async with self._orders.read_uow() as uow:
            found = await uow.orders.list(query)
        return split_page(found, cmd.limit, lambda o: (o.created_at, o.id))


class CancelOrderHandler:
    """Its customer or an admin cancels a pending or paid order: the stock goes back,
    and a payment is refunded once the cancellation is committed."""

    def __init__(self, orders: Orders, refunds: Refunds) -> None:
        self._orders, self._refunds = orders, refunds

    async def __call__(self, cmd: CancelOrder) -> Order:
        orders, now = self._orders, self._orders.clock.now()
        async with orders.uow() as uow:
            order = visible(
                await uow.orders.get(cmd.order_id, for_update=True), cmd.actor, cmd.order_id
            )
            by_customer = order.customer_id == cmd.actor.user_id
            reason = CancellationReason.CUSTOMER if by_customer else CancellationReason.ADMIN
            due = await release(uow, [order], reason, ids=orders.ids, now=now)
            await uow.commit()
        await self._refunds.settle(due)
        return order


class FulfilOrderHandler:
    """Shipping and delivering: admins only."""

    def __init__(self, orders: Orders) -> None:
        self._orders = orders

    async def __call__(self, cmd: ShipOrder | DeliverOrder) -> Order:
        orders = self._orders
        async with orders.uow() as uow:
            order = visible(
                await uow.orders.get(cmd.order_id, for_update=True), cmd.actor, cmd.order_id
            )
            cmd.actor.require_admin("ship and deliver orders")
            if isinstance(cmd, ShipOrder):
                order.ship(cmd.tracking_number, orders.clock.now())
            else:
                order.deliver(orders.clock.now())
            await uow.orders.save_many([order])
            await uow.commit()
        return order
