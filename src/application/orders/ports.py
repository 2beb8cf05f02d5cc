"""What the order use cases need from the outside world, in domain terms only. Orders
are downstream of the catalog: they reserve and release its stock through its ports."""

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Protocol
from uuid import UUID

from application.catalog.ports import ProductRepository, StockMovementRepository
from application.shared.ports import ReadOnlyUnitOfWork, UnitOfWork
from domain.orders import Order, OrderStatus, Payment
from domain.shared.money import Money


@dataclass(frozen=True, slots=True)
class OrderQuery:
    customer_id: UUID | None = None
    status: OrderStatus | None = None
    limit: int = 20
    after: tuple[datetime, UUID] | None = None


class OrderRepository(Protocol):
    async def add(self, order: Order) -> None: ...

    async def get(self, order_id: UUID, *, for_update: bool = False) -> Order | None: ...

    async def save_many(self, orders: Sequence[Order]) -> None:
        """Writes orders read ``for_update`` and advances their ``version``
        (ConcurrentUpdate if one changed meanwhile)."""

    async def list(self, query: OrderQuery) -> Sequence[Order]:
        """Newest first, after ``query.after``, lines included."""

    async def count_pending(self, customer_id: UUID) -> int:
        """The customer's orders awaiting payment. Holds the customer's other placements
        until this transaction ends, so that two at once cannot both see room."""

    async def expired(self, now: datetime, limit: int) -> Sequence[Order]:
        """Pending orders whose payment time is up, oldest first, locked; those another
        transaction holds are skipped, so concurrent sweeps never take the same one."""


class PaymentRepository(Protocol):
    async def add(self, payment: Payment) -> None:
        """PaymentInProgress if the order has an attempt pending or a charge kept already."""

    async def get(self, payment_id: UUID, *, for_update: bool = False) -> Payment | None: ...

    async def for_order(self, order_id: UUID, *, for_update: bool = False) -> Sequence[Payment]:
        """Oldest attempt first."""

    async def save(self, payment: Payment) -> None: ...

    async def refunds_due(self, limit: int) -> Sequence[Payment]:
        """Payments whose refund is pending, oldest first (a refund is keyed by its
        payment at the gateway, so two sweeps refunding one payment refund it once)."""

    async def pending(self, claimed_before: datetime, limit: int) -> Sequence[Payment]:
        """Attempts claimed before ``claimed_before`` still waiting for their outcome,
        oldest first."""

    async def every(self) -> Sequence[Payment]:
        """Every payment, oldest first (for reconciliation with the gateway's books)."""


@dataclass(frozen=True, slots=True)
class IdempotencyRecord:
    """A client's key and who holds it: ``claim_id`` is the request at work on it until
    ``locked_until`` (then another may take it over); ``body`` its answer, once done."""

    user_id: UUID
    key: str
    fingerprint: str
    claim_id: UUID
    locked_until: datetime
    expires_at: datetime
    body: bytes | None = None


class IdempotencyRepository(Protocol):
    async def claim(self, record: IdempotencyRecord, now: datetime) -> IdempotencyRecord:
        """Stores ``record`` unless the key is held: by an unexpired answer, or by a claim
        whose lock is not up (or is for another request). Answers whatever holds the key
        afterwards: ``record`` itself when the claim was taken."""

    async def complete(self, record: IdempotencyRecord, body: bytes) -> bool:
        """Stores the answer, if the claim is still ``record``'s; False if not."""

    async def release(self, record: IdempotencyRecord) -> None:
        """Lets the key go, if ``record`` still holds it with no answer."""

    async def delete_expired(self, now: datetime) -> int: ...


@dataclass(frozen=True, slots=True)
class Charge:
    approved: bool
    charge_id: str | None = None


@dataclass(frozen=True, slots=True)
class GatewayCharge:
    """A charge the gateway made, as its books show it."""

    idempotency_key: str
    charge_id: str
    amount: Money
    refunded: bool


class PaymentGateway(Protocol):
    """Charges and refunds. Called outside every transaction: it may be slow. The same
    ``idempotency_key`` never charges or refunds twice, and answers what it did first."""

    async def charge(self, *, token: str, amount: Money, idempotency_key: str) -> Charge:
        """InvalidValue for a token it does not know, ServiceUnavailable if it could not
        be reached: in both cases nothing was charged. Any other error leaves the outcome
        unknown, for ``find_charge`` to tell later."""

    async def refund(self, *, charge_id: str, amount: Money, idempotency_key: str) -> str:
        """The refund's id; ServiceUnavailable if unreachable."""

    async def find_charge(self, idempotency_key: str) -> Charge | None:
        """What the charge with this key came to, or None if none was made."""

    async def charges(self) -> Sequence[GatewayCharge]:
        """Every charge the gateway made (approved), with whether it was refunded."""


class OrderRenderer(Protocol):
    """An order as the client is answered with it, kept for replays."""

    def __call__(self, order: Order) -> bytes: ...


class OrdersReader(ReadOnlyUnitOfWork, Protocol):
    orders: OrderRepository
    payments: PaymentRepository


class OrdersUnitOfWork(OrdersReader, UnitOfWork, Protocol):
    products: ProductRepository
    stock_movements: StockMovementRepository
    idempotency_keys: IdempotencyRepository
