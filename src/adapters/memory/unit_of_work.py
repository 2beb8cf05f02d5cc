"""In-memory units of work: real transactions over dictionaries, no I/O. The unit tests
run the use cases on them."""

from dataclasses import dataclass, field
from types import TracebackType
from typing import Self
from uuid import UUID

from adapters.memory.catalog import MemoryProductRepository, MemoryStockMovementRepository
from adapters.memory.orders import (
    MemoryIdempotencyRepository,
    MemoryOrderRepository,
    MemoryPaymentRepository,
)
from adapters.memory.users import MemoryRefreshTokenRepository, MemoryUserRepository
from application.orders.ports import IdempotencyRecord
from application.shared.ports import EventPublisher
from domain.catalog import Product, StockMovement
from domain.orders import Order, Payment
from domain.shared.aggregate import Aggregate
from domain.users import RefreshToken, User


@dataclass
class MemoryStore:
    """The committed state, shared by every unit of work built on it."""

    users: dict[UUID, User] = field(default_factory=dict)
    refresh_tokens: dict[UUID, RefreshToken] = field(default_factory=dict)
    products: dict[UUID, Product] = field(default_factory=dict)
    stock_movements: dict[UUID, StockMovement] = field(default_factory=dict)
    orders: dict[UUID, Order] = field(default_factory=dict)
    payments: dict[UUID, Payment] = field(default_factory=dict)
    idempotency_keys: dict[tuple[UUID, str], IdempotencyRecord] = field(default_factory=dict)


class MemoryReader:
    """Works on a copy of the store; its repositories refuse writes."""

    _writable = False

    def __init__(self, store: MemoryStore) -> None:
        self._store = store
        self._seen: list[Aggregate] = []

    async def __aenter__(self) -> Self:
        self._users = dict(self._store.users)
        self._tokens = dict(self._store.refresh_tokens)
        self._products = dict(self._store.products)
        self._movements = dict(self._store.stock_movements)
        self._orders = dict(self._store.orders)
        self._payments = dict(self._store.payments)
        self._keys = dict(self._store.idempotency_keys)
        self._seen = []
        track, writable = self._seen.append, self._writable
        self.users = MemoryUserRepository(self._users, track, writable=writable)
        self.refresh_tokens = MemoryRefreshTokenRepository(self._tokens, writable=writable)
        self.products = MemoryProductRepository(self._products, track, writable=writable)
        self.stock_movements = MemoryStockMovementRepository(self._movements, writable=writable)
        self.orders = MemoryOrderRepository(self._orders, track, writable=writable)
        self.payments = MemoryPaymentRepository(self._payments, writable=writable)
        self.idempotency_keys = MemoryIdempotencyRepository(self._keys, writable=writable)
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        del self.users, self.refresh_tokens, self.products, self.stock_movements
        del self.orders, self.payments, self.idempotency_keys


class MemoryUnitOfWork(MemoryReader):
    """Swaps its copy in on commit, so leaving without a commit (an error included)
    leaves the store as it was."""

    _writable = True

    def __init__(self, store: MemoryStore, publisher: EventPublisher) -> None:
        super().__init__(store)
        self._publisher = publisher

    async def commit(self) -> None:
        # Copies: what this block changes after the commit stays uncommitted.
        self._store.users = dict(self._users)
        self._store.refresh_tokens = dict(self._tokens)
        self._store.products = dict(self._products)
        self._store.stock_movements = dict(self._movements)
        self._store.orders = dict(self._orders)
        self._store.payments = dict(self._payments)
        self._store.idempotency_keys = dict(self._keys)
        await self._publisher.publish([e for a in self._seen for e in a.pull_events()])
