"""Idempotency keys: a request sent again with the same key gets the first answer, and
nothing is done twice.

A key is claimed in a short transaction of its own, so a second request with it sees
it in progress (409) instead of waiting; the answer is stored in the same transaction
as the work, so the work and its record commit together or not at all. A claim whose
holder died is taken over once its lock is up; only successes are kept, so a request
that failed may be sent again with the same key.
"""

import asyncio
from collections.abc import Awaitable, Callable
from contextlib import suppress
from datetime import timedelta
from typing import TypeVar
from uuid import UUID

from application.orders.commands import IdempotencyKey, Replay
from application.orders.ports import IdempotencyRecord, OrderRenderer, OrdersUnitOfWork
from application.shared.ports import Clock, IdGenerator
from domain.orders import IdempotencyInProgress, IdempotencyKeyReused, Order

RETENTION = timedelta(hours=24)
# How long a request may work on its key before another may take it over.
LEASE = timedelta(seconds=60)

T = TypeVar("T")


class Idempotency:
    def __init__(
        self,
        *,
        uow: Callable[[], OrdersUnitOfWork],
        clock: Clock,
        ids: IdGenerator,
        render: OrderRenderer,
    ) -> None:
        self._uow, self._clock, self._ids, self._render = uow, clock, ids, render

    async def run(
        self,
        user_id: UUID | None,
        key: IdempotencyKey | None,
        work: Callable[[IdempotencyRecord | None], Awaitable[T]],
    ) -> T | Replay:
        """``work(claim)``, unless the key was answered already (the answer is replayed);
        ``work`` must call ``complete`` with the claim in its own transaction."""
        if key is None or user_id is None:
            return await work(None)
        held = await self._claim(user_id, key)
        if isinstance(held, Replay):
            return held
        try:
            return await work(held)
        except BaseException:
            await asyncio.shield(self._release(held))
            raise

    async def complete(
        self, uow: OrdersUnitOfWork, claim: IdempotencyRecord | None, order: Order
    ) -> None:
        """Keeps ``order``'s answer for the key, in the work's own transaction."""
        if claim is not None and not await uow.idempotency_keys.complete(
            claim, self._render(order)
        ):
            raise IdempotencyInProgress("This request's key was taken over by a retry")

    async def _claim(self, user_id: UUID, key: IdempotencyKey) -> IdempotencyRecord | Replay:
        now = self._clock.now()
        mine = IdempotencyRecord(
            user_id=user_id,
            key=key.key,
            fingerprint=key.fingerprint,
            claim_id=self._ids.new_id(),
            locked_until=now + LEASE,
            expires_at=now + RETENTION,
        )
        async with self._uow() as uow:
            held = await uow.idempotency_keys.claim(mine, now)
            await uow.commit()
        if held.fingerprint != key.fingerprint:
            raise IdempotencyKeyReused("This Idempotency-Key was used for a different request")
        if held.body is not None:
            return Replay(held.body)
        if held.claim_id != mine.claim_id:
            raise IdempotencyInProgress("A request with this Idempotency-Key is in progress")
        return held

    async def _release(self, claim: IdempotencyRecord) -> None:
        # If the database is the reason the work failed, the key's lock runs out alone.
        with suppress(Exception):
            async with self._uow() as uow:
                await uow.idempotency_keys.release(claim)
                await uow.commit()
