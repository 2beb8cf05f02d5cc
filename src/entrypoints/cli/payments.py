"""emporium payments: the shop's payments against the gateway's books."""

from typing import TYPE_CHECKING, Annotated

import typer

from entrypoints.cli.common import run, stderr

if TYPE_CHECKING:
    from application.orders.reconciliation import ReconcilePayments, Reconciliation
    from entrypoints.container import Container

app = typer.Typer(help="Payments.", no_args_is_help=True)


@app.command()
def reconcile(
    fix: Annotated[
        bool, typer.Option("--fix", help="Record or refund what can be, then report.")
    ] = False,
) -> None:
    """Compare the gateway's charges with the payments the shop recorded.

    Prints each mismatch (a charge neither kept nor refunded, a charge kept twice, an
    attempt never recorded, a refund missing) and exits 1 if any is left unresolved."""

    async def work(container: "Container") -> "Reconciliation":
        reconcile: ReconcilePayments = container.orders.reconcile_payments()
        return await reconcile(fix=fix)

    done = run(work)
    for mismatch in done.mismatches:
        state = "fixed" if mismatch.fixed else "MISMATCH"
        typer.echo(f"{state}\t{mismatch.kind}\t{mismatch.detail}")
    stderr.print(
        f"{done.charges} gateway charges, {done.payments} payments: "
        f"{len(done.mismatches)} mismatches, {done.unresolved} unresolved",
        highlight=False,
    )
    if done.unresolved:
        raise typer.Exit(1)
