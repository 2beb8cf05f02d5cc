"""The orders context in memory: orders, payments and idempotency keys."""

from collections.abc import Callable, Sequence
from dataclasses import replace
from datetime import datetime
from uuid import UUID

from adapters.memory.writes import Repositories, Writes
from application.orders.ports import IdempotencyRecord, OrderQuery
from domain.orders import Order, OrderStatus, Payment, PaymentInProgress, PaymentStatus
from domain.shared.aggregate import Aggregate
from domain.shared.errors import ConcurrentUpdate


class MemoryOrderRepository(Writes):
    def __init__(
        self, orders: dict[UUID, Order], track: Callable[[Aggregate], None], *, writable: bool
    ) -> None:
        super().__init__(writable)
        self._orders, self._track = orders, track

    async def add(self, order: Order) -> None:
        self._check_writable()
        self._orders[order.id] = replace(order, events=[])
        self._track(order)

    async def get(self, order_id: UUID, *, for_update: bool = False) -> Order | None:
        stored = self._orders.get(order_id)
        return self._found(stored) if stored is not None else None

    async def save_many(self, orders: Sequence[Order]) -> None:
        self._check_writable()
        for order in orders:
            stored = self._orders.get(order.id)
            if stored is None or stored.version != order.version:
                raise ConcurrentUpdate("The order changed meanwhile; try again")
        for order in orders:
            order.version += 1
            self._orders[order.id] = replace(order, events=[])
            self._track(order)

    async def list(self, query: OrderQuery) -> Sequence[Order]:
        found = sorted(
            (
                order
                for order in self._orders.values()
                if query.customer_id in (None, order.customer_id)
                and query.status in (None, order.status)
                and (query.after is None or (order.created_at, order.id) < query.after)
            ),
            key=lambda order: (order.created_at, order.id),
            reverse=True,
        )
        return [self._found(order) for order in found[: query.limit]]

    async def count_pending(self, customer_id: UUID) -> int:
        return sum(
            o.customer_id == customer_id and o.status is OrderStatus.PENDING_PAYMENT
            for o in self._orders.values()
        )

    async def expired(self, now: datetime, limit: int) -> Sequence[Order]:
        found = sorted(
            (o for o in self._orders.values() if o.is_expired(now)),
            key=lambda order: (order.payment_expires_at, order.id),
        )
        return [self._found(order) for order in found[:limit]]

    def _found(self, stored: Order) -> Order:
        order = replace(stored, events=[])
        self._track(order)
        return order


class MemoryPaymentRepository(Writes):
    def __init__(
        self, payments: dict[UUID, Payment], track: Callable[[Aggregate], None], *, writable: bool
    ) -> None:
        super().__init__(writable)
        self._payments, self._track = payments, track

    async def add(self, payment: Payment) -> None:
        self._check_writable()
        if payment.status in _LIVE and any(
            p.order_id == payment.order_id and p.status in _LIVE for p in self._payments.values()
        ):
            raise PaymentInProgress("Another payment of this order is in progress")
        self._payments[payment.id] = replace(payment, events=[])

    async def get(self, payment_id: UUID, *, for_update: bool = False) -> Payment | None:
        stored = self._payments.get(payment_id)
        return replace(stored, events=[]) if stored is not None else None

    async def for_order(self, order_id: UUID, *, for_update: bool = False) -> Sequence[Payment]:
        found = (p for p in self._payments.values() if p.order_id == order_id)
        return [replace(p, events=[]) for p in sorted(found, key=lambda p: p.attempt)]

    async def save(self, payment: Payment) -> None:
        self._check_writable()
        self._payments[payment.id] = replace(payment, events=[])
        self._track(payment)

    async def refunds_due(self, limit: int) -> Sequence[Payment]:
        due = (p for p in self._payments.values() if p.status is PaymentStatus.REFUND_PENDING)
        return [replace(p, events=[]) for p in sorted(due, key=lambda p: p.created_at)[:limit]]

    async def pending(self, claimed_before: datetime, limit: int) -> Sequence[Payment]:
        stale = (
            p
            for p in self._payments.values()
            if p.status is PaymentStatus.PENDING and p.created_at < claimed_before
        )
        return [replace(p, events=[]) for p in sorted(stale, key=lambda p: p.created_at)[:limit]]

    async def every(self) -> Sequence[Payment]:
        return [
            replace(p, events=[])
            for p in sorted(self._payments.values(), key=lambda p: p.created_at)
        ]


# An order has at most one attempt in flight or charge kept (the database's unique index).
_LIVE = (PaymentStatus.PENDING, PaymentStatus.SUCCEEDED)


class MemoryIdempotencyRepository(Writes):
    def __init__(
        self,
        records: dict[tuple[UUID, str], IdempotencyRecord],
        _track: Callable[[Aggregate], None],
        *,
        writable: bool,
    ) -> None:
        super().__init__(writable)
        self._records = records

    async def claim(self, record: IdempotencyRecord, now: datetime) -> IdempotencyRecord:
        self._check_writable()
        key = (record.user_id, record.key)
        held = self._records.get(key)
        if held is None or _free_for(held, record, now):
            self._records[key] = held = record
        return held

    async def complete(self, record: IdempotencyRecord, body: bytes) -> bool:
        self._check_writable()
        key = (record.user_id, record.key)
        held = self._records.get(key)
        if held is None or held.claim_id != record.claim_id:
            return False
        self._records[key] = replace(held, body=body)
        return True

    async def release(self, record: IdempotencyRecord) -> None:
        self._check_writable()
        key = (record.user_id, record.key)
        held = self._records.get(key)
        if held is not None and held.claim_id == record.claim_id and held.body is None:
            del self._records[key]

    async def delete_expired(self, now: datetime) -> int:
        self._check_writable()
        expired = [key for key, held in self._records.items() if held.expires_at <= now]
        for key in expired:
            del self._records[key]
        return len(expired)


def _free_for(held: IdempotencyRecord, record: IdempotencyRecord, now: datetime) -> bool:
    """A key is taken over when its answer expired, or when its claim's lock is up and
    the same request asks again."""
    abandoned = held.body is None and held.locked_until <= now
    return held.expires_at <= now or (abandoned and held.fingerprint == record.fingerprint)


REPOSITORIES: Repositories = {
    "orders": MemoryOrderRepository,
    "payments": MemoryPaymentRepository,
    "idempotency_keys": MemoryIdempotencyRepository,
}
