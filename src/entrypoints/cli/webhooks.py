"""emporium webhooks: the webhook endpoints and their deliveries, as the admin API has
them."""

from collections.abc import AsyncIterator
from typing import TYPE_CHECKING, Annotated
from uuid import UUID

import typer

from domain.notifications import DeliveryStatus
from entrypoints.cli.common import call, print_items, stderr, yes_no
from entrypoints.cli.events import DELIVERY_COLUMNS, delivery_row

if TYPE_CHECKING:
    from domain.notifications import Delivery, WebhookEndpoint
    from entrypoints.container import Container


app = typer.Typer(help="Webhook endpoints: where outside systems get events.", no_args_is_help=True)


def _row(endpoint: "WebhookEndpoint") -> tuple[str, ...]:
    return (
        str(endpoint.id),
        endpoint.url,
        ",".join(sorted(endpoint.event_types)),
        yes_no(endpoint.enabled),
        str(endpoint.failures_in_a_row),
        endpoint.description,
    )


@app.command("list")
def list_webhooks() -> None:
    """Every endpoint."""
    from application.notifications.commands import ListWebhooks
    from application.shared.actor import Actor

    async def endpoints(container: "Container") -> AsyncIterator["WebhookEndpoint"]:
        for endpoint in await container.notifications.list_webhooks()(
            ListWebhooks(Actor.operator())
        ):
            yield endpoint

    print_items(endpoints, ("id", "url", "events", "enabled", "failures", "description"), _row)


@app.command()
def add(
    url: str,
    event: Annotated[
        list[str], typer.Option("--event", "-e", help="An event type, or '*'; repeatable.")
    ],
    description: Annotated[str, typer.Option(help="What it is for.")] = "",
) -> None:
    """Add an endpoint at URL. Prints its id, then its signing secret: shown this once."""
    from application.notifications.commands import CreateWebhook
    from application.shared.actor import Actor

    command = CreateWebhook(Actor.operator(), url, frozenset(event), description)
    endpoint: WebhookEndpoint = call(lambda c: c.notifications.create_webhook(), command)
    typer.echo(f"{endpoint.id}\t{endpoint.secret}")
    stderr.print("Keep the secret: it is not shown again.", highlight=False)


def _set_enabled(endpoint_id: UUID, enabled: bool) -> None:
    from application.notifications.commands import UpdateWebhook
    from application.shared.actor import Actor

    command = UpdateWebhook(Actor.operator(), endpoint_id, enabled=enabled)
    call(lambda c: c.notifications.update_webhook(), command)
    stderr.print(f"Endpoint {endpoint_id} {'enabled' if enabled else 'disabled'}.")


@app.command()
def disable(endpoint_id: UUID) -> None:
    """Send nothing more to the endpoint (its pending deliveries are dropped)."""
    _set_enabled(endpoint_id, False)


@app.command()
def enable(endpoint_id: UUID) -> None:
    """Send to the endpoint again (its count of failures starts over)."""
    _set_enabled(endpoint_id, True)


@app.command()
def delete(endpoint_id: UUID) -> None:
    """Delete the endpoint."""
    from application.notifications.commands import WebhookCommand
    from application.shared.actor import Actor

    call(lambda c: c.notifications.delete_webhook(), WebhookCommand(Actor.operator(), endpoint_id))
    stderr.print(f"Endpoint {endpoint_id} deleted.")


@app.command("rotate-secret")
def rotate_secret(endpoint_id: UUID) -> None:
    """A new signing secret, printed; the old one signs too for 24 hours more."""
    from application.notifications.commands import WebhookCommand
    from application.shared.actor import Actor

    command = WebhookCommand(Actor.operator(), endpoint_id)
    endpoint: WebhookEndpoint = call(lambda c: c.notifications.rotate_webhook_secret(), command)
    typer.echo(endpoint.secret)


@app.command()
def ping(endpoint_id: UUID) -> None:
    """Send a webhook.ping event to the endpoint alone, as the workers send any event."""
    from application.notifications.commands import WebhookCommand
    from application.shared.actor import Actor

    call(lambda c: c.notifications.ping_webhook(), WebhookCommand(Actor.operator(), endpoint_id))
    stderr.print(
        f"A webhook.ping is on its way: see `emporium webhooks deliveries {endpoint_id}`.",
        highlight=False,
    )


@app.command()
def deliveries(
    endpoint_id: UUID,
    state: Annotated[
        DeliveryStatus | None, typer.Option("--status", help="Only this status.")
    ] = None,
    limit: Annotated[int, typer.Option(min=1, max=100)] = 20,
) -> None:
    """The endpoint's newest deliveries, newest first."""
    from application.notifications.commands import ListWebhookDeliveries
    from application.shared.actor import Actor

    async def found(container: "Container") -> AsyncIterator["Delivery"]:
        command = ListWebhookDeliveries(Actor.operator(), endpoint_id, state, limit)
        for delivery in (await container.notifications.list_webhook_deliveries()(command)).items:
            yield delivery

    print_items(found, DELIVERY_COLUMNS, delivery_row)


@app.command()
def redeliver(endpoint_id: UUID, delivery_id: UUID) -> None:
    """Try the endpoint's delivery DELIVERY_ID again, from a fresh retry schedule."""
    from application.notifications.commands import Redeliver
    from application.shared.actor import Actor

    command = Redeliver(Actor.operator(), delivery_id, endpoint_id)
    call(lambda c: c.notifications.redeliver(), command)
    stderr.print(f"Delivery {delivery_id} will be tried again.")
