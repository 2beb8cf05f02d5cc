"""emporium worker, events and outbox: the events' worker process, and what operators
read of the outbox (its events, what is still on its way) and do about it (redeliver)."""

import asyncio
import signal
from collections.abc import AsyncIterator
from datetime import datetime
from typing import TYPE_CHECKING, Annotated
from uuid import UUID

import typer

from domain.notifications import Channel, DeliveryStatus
from entrypoints.cli.common import call, fail, print_items, run, stderr

if TYPE_CHECKING:
    from application.notifications.commands import Backlog
    from application.shared.outbox import OutboxEvent
    from domain.notifications import Delivery
    from entrypoints.container import Container

events_app = typer.Typer(help="The shop's events (the outbox).", no_args_is_help=True)
outbox_app = typer.Typer(
    help="What is still on its way: backlog, deliveries.", no_args_is_help=True
)


def worker(
    once: Annotated[
        bool, typer.Option(help="Work until nothing is due now, then exit (for cron, tests).")
    ] = False,
    metrics_port: Annotated[
        int | None, typer.Option(min=1, max=65535, help="Serve /metrics here, for Prometheus.")
    ] = None,
    metrics_host: Annotated[str, typer.Option(help="Interface of --metrics-port.")] = "127.0.0.1",
) -> None:
    """Relay the outbox and send its deliveries until stopped.

    The deliveries go to the broker, by email and to webhooks, until SIGTERM or Ctrl-C.
    Run any number of workers: they never take the same work."""
    from entrypoints.worker import work

    if metrics_port is not None:
        from prometheus_client import start_http_server

        from entrypoints.metrics import registry

        try:
            start_http_server(metrics_port, metrics_host, registry=registry())
        except OSError as error:
            raise fail(f"metrics on {metrics_host}:{metrics_port}: {error.strerror}") from None

    async def main(container: "Container") -> None:
        from entrypoints.tracing import start_tracing, stop_tracing

        n, settings = container.notifications, container.core.settings()
        tracer = start_tracing(settings, "emporium-worker")
        task = asyncio.create_task(
            work(n.relay_events(), n.deliver_due(), settings.worker_poll_interval, once=once),
            name="worker",
        )
        asyncio.get_running_loop().add_signal_handler(signal.SIGTERM, task.cancel)
        try:
            await task
        except asyncio.CancelledError:
            stderr.print("worker stopped", highlight=False)
        finally:
            stop_tracing(tracer)

    run(main)


def _time(moment: datetime | None) -> str:
    return moment.isoformat().replace("+00:00", "Z") if moment is not None else "-"


def _event_row(event: "OutboxEvent") -> tuple[str, ...]:
    return (
        str(event.id),
        _time(event.occurred_at),
        event.type,
        str(event.subject_id),
        event.actor or "-",
        event.request_id or "-",
    )


@events_app.command("list")
def list_events(
    type_: Annotated[str | None, typer.Option("--type", help="Only this type.")] = None,
    since: Annotated[
        datetime | None,
        typer.Option(help="Only events at or after this time (UTC unless it says)."),
    ] = None,
    limit: Annotated[int, typer.Option(min=1, max=10_000)] = 50,
    as_json: Annotated[bool, typer.Option("--json", help="JSON lines on stdout.")] = False,
) -> None:
    """The newest events, newest first, with who caused them (the audit trail)."""
    from application.notifications.commands import ListEvents
    from application.shared.actor import Actor
    from entrypoints.events import OUTBOX_TYPES

    if type_ is not None and type_ not in OUTBOX_TYPES:
        raise fail(f"unknown event type {type_!r} (one of {', '.join(sorted(OUTBOX_TYPES))})")
    if since is not None and since.tzinfo is None:
        since = since.astimezone()  # the operator's local time, as typed

    async def events(container: "Container") -> AsyncIterator["OutboxEvent"]:
        command = ListEvents(Actor.operator(), type_, since, limit)
        for event in await container.notifications.list_events()(command):
            yield event

    print_items(
        events,
        ("id", "occurred", "type", "subject", "actor", "request"),
        _event_row,
        _event_json if as_json else None,
    )


def _event_json(event: "OutboxEvent") -> str:
    import json

    head = {
        "id": str(event.id),
        "type": event.type,
        "occurred_at": _time(event.occurred_at),
        "subject_id": str(event.subject_id),
        "subject_version": event.subject_version,
        "actor": event.actor,
        "request_id": event.request_id,
        "schema_version": event.schema_version,
    }
    return json.dumps(head)[:-1] + f', "data": {event.data}}}'


@outbox_app.command("status")
def status() -> None:
    """What is still on its way: the backlog and the deliveries.

    Events not yet relayed (and the oldest one's time), deliveries pending and failed
    for good, per channel, and the failing or disabled webhook endpoints (id, failures
    in a row, enabled, url)."""
    from application.notifications.admin import GetBacklogHandler
    from application.notifications.commands import GetBacklog
    from application.shared.actor import Actor

    async def work(container: "Container") -> "Backlog":
        get_backlog: GetBacklogHandler = container.notifications.get_backlog()
        return await get_backlog(GetBacklog(Actor.operator()))

    backlog = run(work)
    typer.echo(f"undispatched events\t{backlog.undispatched}")
    typer.echo(f"oldest undispatched\t{_time(backlog.oldest_undispatched)}")
    for channel in Channel:
        for state in (DeliveryStatus.PENDING, DeliveryStatus.FAILED):
            typer.echo(
                f"{channel.value} {state.value}\t{backlog.unfinished.get((channel, state), 0)}"
            )
    for endpoint in backlog.failing_endpoints:
        typer.echo(
            f"failing endpoint\t{endpoint.id}\t{endpoint.failures_in_a_row}\t"
            f"{endpoint.enabled}\t{endpoint.url}"
        )


def delivery_row(delivery: "Delivery") -> tuple[str, ...]:
    return (
        str(delivery.id),
        str(delivery.event_id),
        delivery.event_type,
        delivery.channel.value,
        delivery.target,
        delivery.status.value,
        str(delivery.attempts),
        str(delivery.last_status or "-"),
        (delivery.last_error or "-")[:80],
        _time(delivery.next_attempt_at if delivery.status is DeliveryStatus.PENDING else None),
    )


DELIVERY_COLUMNS = (
    "id",
    "event",
    "type",
    "channel",
    "target",
    "status",
    "attempts",
    "last status",
    "last error",
    "next attempt",
)


@outbox_app.command("deliveries")
def deliveries(
    channel: Annotated[Channel | None, typer.Option(help="Only this channel.")] = None,
    state: Annotated[
        DeliveryStatus | None, typer.Option("--status", help="Only this status.")
    ] = None,
    limit: Annotated[int, typer.Option(min=1, max=10_000)] = 50,
) -> None:
    """The newest deliveries, newest first."""
    from application.notifications.commands import ListDeliveries
    from application.shared.actor import Actor

    async def found(container: "Container") -> AsyncIterator["Delivery"]:
        command = ListDeliveries(Actor.operator(), channel, None, state, limit)
        for delivery in await container.notifications.list_deliveries()(command):
            yield delivery

    print_items(found, DELIVERY_COLUMNS, delivery_row)


@outbox_app.command()
def redeliver(delivery_id: UUID) -> None:
    """Try the delivery DELIVERY_ID again, from a fresh retry schedule."""
    from application.notifications.commands import Redeliver
    from application.shared.actor import Actor

    command = Redeliver(Actor.operator(), delivery_id)
    delivery: Delivery = call(lambda c: c.notifications.redeliver(), command)
    stderr.print(f"Delivery {delivery.id} will be tried again.", highlight=False)
