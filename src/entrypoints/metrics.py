"""What Prometheus scrapes: the requests, the database pools, the orders, the deliveries.

``emporium serve`` runs several worker processes: each writes its values to files of
its own in a directory made fresh at start (prometheus-client's multiprocess mode: see
metrics_directory), and a scrape of any of them sums them all. What the database knows
(the outbox's backlog) is read at the scrape instead, once, not per process."""

import asyncio
import json
import os
from collections.abc import Iterator, Sequence
from datetime import datetime
from typing import Literal

from prometheus_client import (
    CollectorRegistry,
    Counter,
    Gauge,
    Histogram,
    generate_latest,
    multiprocess,
)
from prometheus_client.core import REGISTRY, GaugeMetricFamily, Metric

from application.notifications.commands import Backlog
from application.shared.outbox import OutboxEvent
from domain.notifications import Delivery, DeliveryStatus
from entrypoints.metrics_directory import MULTIPROCESS_DIRECTORY

CONTENT_TYPE = "text/plain; version=0.0.4; charset=utf-8"

REQUESTS = Counter(
    "emporium_http_requests",
    "HTTP requests answered, by method, route template and status.",
    ["method", "route", "status"],
)
REQUEST_SECONDS = Histogram(
    "emporium_http_request_duration_seconds",
    "Time from a request's arrival to the end of its answer, by method and route template.",
    ["method", "route"],
    buckets=(0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10),
)
CONNECTIONS_IN_USE = Gauge(
    "emporium_db_connections_in_use",
    "Database connections lent to a unit of work, by pool (write or read).",
    ["pool"],
    multiprocess_mode="livesum",
)
CONNECTIONS_WAITING = Gauge(
    "emporium_db_connections_waiting",
    "Units of work waiting for a database connection, by pool (write or read).",
    ["pool"],
    multiprocess_mode="livesum",
)
ORDERS = Counter(
    "emporium_orders",
    "Orders placed, paid, shipped, delivered, cancelled and expired (unpaid in time), "
    "counted as their events leave the outbox.",
    ["event"],
)
PAYMENTS_DECLINED = Counter(
    "emporium_payments_declined", "Payments the gateway declined, as their events leave the outbox."
)
CHECKOUTS_REFUSED = Counter(
    "emporium_checkouts_refused", "Orders refused at checkout for lack of stock (409 out_of_stock)."
)
DELIVERIES = Counter(
    "emporium_deliveries",
    "Attempts to send an event, by channel (broker, email, webhook) and outcome: "
    "succeeded, retrying (failed, tried again later), failed (for good), abandoned "
    "(nowhere to send it any more).",
    ["channel", "outcome"],
)
# Unmatched paths are one label, so that scanners cannot make a series per path.
UNMATCHED = "unmatched"


def process_ended() -> None:
    """A worker process leaving: its live gauges (connections) stop counting."""
    if os.environ.get(MULTIPROCESS_DIRECTORY):
        multiprocess.mark_process_dead(os.getpid())  # type: ignore[no-untyped-call]


def registry() -> CollectorRegistry:
    """Every process's values in multiprocess mode; this process's otherwise."""
    if not os.environ.get(MULTIPROCESS_DIRECTORY):
        return REGISTRY
    summed = CollectorRegistry()
    multiprocess.MultiProcessCollector(summed)  # type: ignore[no-untyped-call]
    return summed


def exposition(backlog: Backlog | None, now: datetime) -> bytes:
    """The text format: every process's values, then the backlog as read now."""
    text = generate_latest(registry())
    if backlog is not None:
        backlog_registry = CollectorRegistry()
        backlog_registry.register(_BacklogCollector(backlog, now))
        text += generate_latest(backlog_registry)
    return text


class _BacklogCollector:
    def __init__(self, backlog: Backlog, now: datetime) -> None:
        self._backlog, self._now = backlog, now

    def collect(self) -> Iterator[Metric]:
        backlog = self._backlog
        yield GaugeMetricFamily(
            "emporium_outbox_backlog",
            "Events not yet fanned out to their deliveries.",
            value=backlog.undispatched,
        )
        oldest = backlog.oldest_undispatched
        yield GaugeMetricFamily(
            "emporium_outbox_oldest_age_seconds",
            "Age of the oldest event not yet fanned out (0: none waits).",
            value=(self._now - oldest).total_seconds() if oldest is not None else 0,
        )
        unfinished = GaugeMetricFamily(
            "emporium_deliveries_unfinished",
            "Deliveries pending (due or waiting to be retried) or failed for good, by channel.",
            labels=["channel", "status"],
        )
        for (channel, status), count in sorted(backlog.unfinished.items()):
            unfinished.add_metric([channel.value, status.value], count)
        yield unfinished


# Each label set's counter and histogram, looked up once (``labels`` takes a lock and
# builds a key: a third of the cost of counting a request). Routes are templates and
# statuses few, so this stays small.
_REQUEST_SERIES: dict[tuple[str, str, int], tuple[Counter, Histogram]] = {}


def count_request(method: str, route: str, status: int, seconds: float) -> None:
    series = _REQUEST_SERIES.get((method, route, status))
    if series is None:
        series = REQUESTS.labels(method, route, str(status)), REQUEST_SECONDS.labels(method, route)
        _REQUEST_SERIES[(method, route, status)] = series
    requests, duration = series
    requests.inc()
    duration.observe(seconds)


def count_attempt(delivery: Delivery, tried: bool) -> None:
    """A delivery's outcome, after an attempt (``tried`` False: abandoned)."""
    if not tried:
        outcome = "abandoned"
    elif delivery.status is DeliveryStatus.PENDING:
        outcome = "retrying"
    else:
        outcome = delivery.status.value
    DELIVERIES.labels(delivery.channel.value, outcome).inc()


class CountingTrail:
    """Counts the orders' events as the relay fans them out (one relay, whichever
    process: each event is counted once)."""

    def record(self, events: Sequence[OutboxEvent]) -> None:
        for event in events:
            if event.type == "order.payment_declined":
                PAYMENTS_DECLINED.inc()
            elif event.type == "order.cancelled" and _expired(event):
                ORDERS.labels("expired").inc()
            elif event.type.startswith("order."):
                ORDERS.labels(event.type.removeprefix("order.")).inc()


def _expired(cancelled: OutboxEvent) -> bool:
    return bool(json.loads(cancelled.data).get("cancellation_reason") == "payment_timeout")


class MeteredTurns(asyncio.Semaphore):
    """A pool's turns (see SqlUnitOfWork) that count the connections lent and the units
    of work waiting for one."""

    def __init__(self, size: int, pool: str) -> None:
        super().__init__(size)
        self._in_use = CONNECTIONS_IN_USE.labels(pool)
        self._waiting = CONNECTIONS_WAITING.labels(pool)

    async def acquire(self) -> Literal[True]:
        if not self.locked():
            self._in_use.inc()
            return await super().acquire()
        self._waiting.inc()
        try:
            await super().acquire()
        finally:
            self._waiting.dec()
        self._in_use.inc()
        return True

    def release(self) -> None:
        self._in_use.dec()
        super().release()
