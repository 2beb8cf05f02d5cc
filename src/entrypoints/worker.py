"""The events' worker loop: the relay fans the outbox out, then the due deliveries are
sent, round after round. ``emporium worker`` runs it; ``emporium serve`` runs it in each
of its processes too, unless told not to. Any number may run at once: each round's rows
are locked or leased, and skipped by the others."""

import asyncio
import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager, suppress

from application.notifications.deliveries import DeliverDueHandler
from application.notifications.relay import RelayEventsHandler

logger = logging.getLogger("emporium.worker")


async def work(
    relay: RelayEventsHandler, deliver: DeliverDueHandler, poll_interval: float, *, once: bool
) -> None:
    """Rounds until cancelled; with ``once``, until a round finds nothing to do (a
    failed round then raises). Otherwise the next round, ``poll_interval`` later, tries
    again; a run of failed rounds (a database down for an hour) is one log line, and its
    end another."""
    failing = False
    while True:
        try:
            busy = await relay() + await deliver()
        except Exception as error:
            if once:
                raise
            if not failing:
                logger.warning("worker rounds fail; retrying every %ss: %r", poll_interval, error)
            failing, busy = True, 0
        else:
            if failing:
                logger.info("worker rounds succeed again")
            failing = False
        if not busy:
            if once:
                return
            await asyncio.sleep(poll_interval)


@asynccontextmanager
async def running_worker(
    relay: RelayEventsHandler, deliver: DeliverDueHandler, poll_interval: float, *, enabled: bool
) -> AsyncIterator[None]:
    """The worker in the background while the block runs (if ``enabled``)."""
    if not enabled:
        yield
        return
    task = asyncio.create_task(work(relay, deliver, poll_interval, once=False), name="worker")
    try:
        yield
    finally:
        task.cancel()
        with suppress(asyncio.CancelledError):
            await task
