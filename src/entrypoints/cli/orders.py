"""emporium orders: see and move orders, through the same use cases as the API, as an
operator (an admin's rights)."""

from collections.abc import AsyncIterator, Sequence
from typing import TYPE_CHECKING, Annotated
from uuid import UUID

import typer

from domain.orders import OrderStatus
from entrypoints.cli.common import call, every_page, print_items, run, stderr

if TYPE_CHECKING:
    from domain.orders import Order
    from entrypoints.container import Container

app = typer.Typer(help="Orders.", no_args_is_help=True)

_COLUMNS = ("id", "customer", "status", "total", "items", "created")


def _row(listed: tuple["Order", str]) -> tuple[str, ...]:
    order, customer = listed
    return (
        str(order.id),
        customer,
        order.status.value,
        str(order.total),
        str(sum(line.quantity for line in order.lines)),
        order.created_at.isoformat().replace("+00:00", "Z"),
    )


def _all_orders(
    container: "Container", status: OrderStatus | None
) -> AsyncIterator[Sequence["Order"]]:
    from application.orders.commands import ListOrders
    from application.shared.actor import Actor

    list_orders = container.orders.list_orders()
    return every_page(
        lambda after: list_orders(ListOrders(Actor.operator(), status, limit=100, after=after))
    )


async def _with_emails(
    container: "Container", pages: AsyncIterator[Sequence["Order"]], look_up: bool
) -> AsyncIterator[tuple["Order", str]]:
    """Each order with its customer's email (their id, if the account is gone), a
    page's customers read at once; with ``look_up`` False, none."""
    from application.shared.actor import Actor
    from application.users.commands import GetUsers

    get_users = container.users.get_users()
    async for orders in pages:
        emails: dict[UUID, str] = {}
        if look_up:
            customers = frozenset(order.customer_id for order in orders)
            found = await get_users(GetUsers(Actor.operator(), customers))
            emails = {user.id: user.email.value for user in found}
        for order in orders:
            yield order, emails.get(order.customer_id, str(order.customer_id)) if look_up else ""


@app.command("list")
def list_orders(
    status: Annotated[OrderStatus | None, typer.Option(help="Only this status.")] = None,
    as_json: Annotated[bool, typer.Option("--json", help="JSON lines on stdout.")] = False,
) -> None:
    """List orders, newest first.

    A table on a terminal, tab-separated lines in a pipe, or with --json the API's
    order documents, one per line."""
    from entrypoints.documents import order_json

    print_items(
        lambda container: _with_emails(
            container, _all_orders(container, status), look_up=not as_json
        ),
        _COLUMNS,
        _row,
        (lambda listed: order_json(listed[0]).decode()) if as_json else None,
    )


@app.command()
def ship(
    order_id: UUID,
    tracking: Annotated[str | None, typer.Option(help="The carrier's tracking number.")] = None,
) -> None:
    """Ship the paid order ORDER_ID."""
    from application.orders.commands import ShipOrder
    from application.shared.actor import Actor

    command = ShipOrder(Actor.operator(), order_id, tracking)
    order: Order = call(lambda c: c.orders.fulfil_order(), command)
    stderr.print(f"Order {order.id} is shipped.", highlight=False)


@app.command()
def show(order_id: UUID) -> None:
    """The order ORDER_ID as the API shows it (its JSON document)."""
    from application.orders.commands import GetOrder
    from application.shared.actor import Actor
    from entrypoints.documents import order_json

    order: Order = call(lambda c: c.orders.get_order(), GetOrder(Actor.operator(), order_id))
    typer.echo(order_json(order).decode())


@app.command()
def deliver(order_id: UUID) -> None:
    """Mark the shipped order ORDER_ID delivered."""
    from application.orders.commands import DeliverOrder
    from application.shared.actor import Actor

    command = DeliverOrder(Actor.operator(), order_id)
    order: Order = call(lambda c: c.orders.fulfil_order(), command)
    stderr.print(f"Order {order.id} is delivered.", highlight=False)


@app.command()
def cancel(order_id: UUID) -> None:
    """Cancel the pending or paid order ORDER_ID: its stock goes back, a payment is refunded."""
    from application.orders.commands import CancelOrder
    from application.shared.actor import Actor

    command = CancelOrder(Actor.operator(), order_id)
    order: Order = call(lambda c: c.orders.cancel_order(), command)
    stderr.print(f"Order {order.id} is cancelled; its stock is back.", highlight=False)


@app.command()
def expire() -> None:
    """Cancel the pending orders whose payment time is up.

    Their stock goes back (the server does this on its own; this is for cron). Also
    settles payment attempts left pending, retries refunds the gateway missed and
    forgets idempotency keys older than 24 hours."""
    from application.orders.commands import Upkept
    from application.orders.upkeep import Upkeep

    async def work(container: "Container") -> Upkept:
        upkeep: Upkeep = container.orders.upkeep()
        return await upkeep()

    done = run(work)
    stderr.print(
        f"{done.expired_orders} unpaid orders expired, {done.payments_reconciled} payments "
        f"reconciled, {done.refunds_settled} refunds settled, {done.keys_forgotten} "
        "idempotency keys forgotten",
        highlight=False,
    )
