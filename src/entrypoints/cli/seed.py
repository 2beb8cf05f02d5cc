"""emporium seed: data to try the API with. Idempotent: a second run changes nothing."""

import secrets
from typing import TYPE_CHECKING, Annotated

import typer

from entrypoints.cli.common import run, stderr

if TYPE_CHECKING:
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


@app.command()
def demo(
    password: Annotated[
        str | None,
        typer.Option(help="For the demo accounts; a random one (shown once) when left out."),
    ] = None,
) -> None:
    """A demo admin, a few customers and a few dozen products. Accounts that exist already
    are left as they are (their password too); products are brought back to the demo's."""
    from application.catalog.transfer import ImportProducts
    from application.users.commands import CreateAdmin, Register
    from domain.users import EmailTaken

    chosen = password or secrets.token_urlsafe(12)

    async def work(container: "Container") -> tuple[list[str], int]:
        created = []
        account = await container.users.create_admin()(
            CreateAdmin(ADMIN_EMAIL, chosen, "Demo Admin")
        )
        if account.created:
            created.append(ADMIN_EMAIL)
        for email in CUSTOMER_EMAILS:
            try:
                await container.users.register()(
                    Register(email, chosen, email.split("@")[0].title())
                )
                created.append(email)
            except EmailTaken:
                pass
        changed = 0
        command = ImportProducts(rows=demo_products(), source="seed demo")
        async for batch in container.catalog.import_products()(command):
            changed += batch.created + batch.updated
        return created, changed

    created, changed = run(work, audit=False)
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
