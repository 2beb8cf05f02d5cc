"""emporium seed: data to try the API with. Idempotent: a second run changes nothing."""

import secrets
from typing import TYPE_CHECKING, Annotated

import typer

from entrypoints.cli.common import run, stderr

if TYPE_CHECKING:
    from uuid import UUID

    from application.catalog.transfer import ImportRow
    from entrypoints.container import Container

app = typer.Typer(help="Demo data.", no_args_is_help=True)

ADMIN_EMAIL = "admin@demo.emporium.dev"
CUSTOMER_EMAILS = ("ada@demo.emporium.dev", "grace@demo.emporium.dev", "alan@demo.emporium.dev")
_KINDS = {  # kind: (price in cents of the first colour, a line of description)
    "Enamel mug": (1250, "Holds 350 ml; keeps coffee warm."),
    "Teapot": (3400, "Stoneware, 1 litre."),
    "Linen napkin": (600, "Washed linen, 45 x 45 cm."),
    "Serving bowl": (2800, "Hand-thrown, 24 cm across."),
    "Oak board": (4100, "End-grain oak for bread and cheese."),
    "Candle": (900, "Beeswax, burns for 40 hours."),
}
_COLOURS = ("white", "blue", "green", "ochre", "grey", "black")


def demo_products() -> list["ImportRow"]:
    from application.catalog.transfer import ImportRow

    rows: list[ImportRow] = []
    for kind, (cents, description) in _KINDS.items():
        for shade, colour in enumerate(_COLOURS):
            sku = f"DEMO-{kind.split()[-1].upper()}-{colour.upper()}"
            price = cents + 50 * shade
            rows.append(
                ImportRow(
                    line=len(rows) + 1,
                    sku=sku,
                    name=f"{kind}, {colour}",
                    description=description,
                    price=f"{price // 100}.{price % 100:02d}",
                    stock=str((7 * len(rows)) % 40),
                )
            )
    return rows


async def import_demo_products(container: "Container") -> int:
    """Brings the demo products to the demo's figures; answers how many changed."""
    from application.catalog.transfer import ImportProducts
    from application.shared.actor import Actor

    changed = 0
    command = ImportProducts(Actor.operator(), rows=demo_products(), source="seed demo")
    async for batch in container.catalog.import_products()(command):
        changed += batch.created + batch.updated
    return changed


# Where the demo orders stand: delivered, paid, waiting for payment, cancelled.
_JOURNEYS = (("pay", "ship", "deliver"), ("pay",), (), ("cancel",))


async def demo_orders(container: "Container", customers: list["UUID"]) -> None:
    """A few orders for the customers just created, one at each stage of its life."""
    from application.catalog.commands import ListProducts
    from application.orders.commands import (
        AddressRequest,
        CancelOrder,
        DeliverOrder,
        LineRequest,
        PayOrder,
        PlaceOrder,
        ShipOrder,
    )
    from application.shared.actor import Actor
    from domain.orders import Order

    orders, operator = container.orders, Actor.operator()
    page = await container.catalog.list_products()(
        ListProducts(operator, text="DEMO-", in_stock=True, limit=100)
    )
    stocked = [p for p in page.items if p.sku.value.startswith("DEMO-") and p.stock >= 2]
    address = AddressRequest("Demo Customer", "1 Demo Street", "Springfield", "12345", "US")
    for n, journey in enumerate(_JOURNEYS if customers else ()):
        customer = Actor(customers[n % len(customers)], False)
        lines = tuple(LineRequest(p.id, 1 + i) for i, p in enumerate(stocked[2 * n : 2 * n + 2]))
        if not lines:
            return
        order = await orders.place_order()(PlaceOrder(customer, lines, address))
        assert isinstance(order, Order)
        for move in journey:
            if move == "pay":
                await orders.pay_order()(PayOrder(customer, order.id, "tok_visa"))
            elif move == "ship":
                await orders.fulfil_order()(ShipOrder(operator, order.id, "DEMO-TRACK-1"))
            elif move == "deliver":
                await orders.fulfil_order()(DeliverOrder(operator, order.id))
            else:
                await orders.cancel_order()(CancelOrder(customer, order.id))


@app.command()
def demo(
    password: Annotated[
        str | None,
        typer.Option(help="For the demo accounts; a random one (shown once) when left out."),
    ] = None,
) -> None:
    """Add demo data: an admin, customers, products and orders.

    A few customers, a few dozen products, and an order for each new customer at some
    stage of its life. Accounts that exist already are left as they are (their password
    and orders too); products are brought back to the demo's."""
    from application.shared.actor import Actor
    from application.users.commands import CreateAdmin, Register
    from domain.users import EmailTaken

    chosen = password or secrets.token_urlsafe(12)

    async def work(container: "Container") -> tuple[list[str], int]:
        created, customers = [], []
        account = await container.users.create_admin()(
            CreateAdmin(Actor.operator(), ADMIN_EMAIL, chosen, "Demo Admin")
        )
        if account.created:
            created.append(ADMIN_EMAIL)
        for email in CUSTOMER_EMAILS:
            try:
                user = await container.users.register()(
                    Register(email, chosen, email.split("@")[0].title())
                )
                created.append(email)
                customers.append(user.id)
            except EmailTaken:
                pass
        changed = await import_demo_products(container)
        if customers:
            await demo_orders(container, customers)
            # Their reservations are topped up, so the stock is the demo's again and a
            # second run finds nothing to change.
            await import_demo_products(container)
        return created, changed

    created, changed = run(work)
    for email in created:
        stderr.print(f"created {email}", highlight=False)
    if created:
        stderr.print(f"their password: {chosen}", highlight=False)
    there = len(CUSTOMER_EMAILS) + 1 - len(created)
    stderr.print(
        f"{len(created)} accounts created, {there} there already; {changed} of "
        f"{len(_KINDS) * len(_COLOURS)} demo products created or brought back",
        highlight=False,
    )
