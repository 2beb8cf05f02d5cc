"""The server's background upkeep of orders: every worker runs it, and the rows each
round takes are locked and skipped by the others, so nothing is done twice."""

import asyncio
import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager, suppress

from application.orders.upkeep import Upkeep

logger = logging.getLogger("emporium.upkeep")


async def keep_up(upkeep: Upkeep, interval: float) -> None:
    """A round now and every ``interval`` seconds, until cancelled. A failed round (the
    database down, say) is one log line; the next round tries again."""
    while True:
        try:
            done = await upkeep()
            if done.expired_orders or done.payments_reconciled or done.refunds_settled:
                logger.info(
                    "expired %d unpaid orders, reconciled %d payments, settled %d refunds",
                    done.expired_orders,
                    done.payments_reconciled,
                    done.refunds_settled,
                )
        except Exception as error:
            logger.warning("the orders' upkeep failed; retrying in %ss: %r", interval, error)
        await asyncio.sleep(interval)


@asynccontextmanager
async def running_upkeep(upkeep: Upkeep, interval: float) -> AsyncIterator[None]:
    """The upkeep in the background while the block runs (not at all for interval 0)."""
    if interval <= 0:
        yield
        return
    task = asyncio.create_task(keep_up(upkeep, interval), name="orders-upkeep")
    try:
        yield
    finally:
        task.cancel()
        with suppress(asyncio.CancelledError):
            await task
