"""The orders context in SQL: orders and their lines, payments, idempotency keys."""

from collections.abc import Callable, Mapping, Sequence
from datetime import datetime
from functools import cache
from typing import Any
from uuid import UUID

from sqlalchemy import (
    BigInteger,
    CheckConstraint,
    Column,
    ColumnElement,
    ForeignKey,
    Index,
    Insert,
    Integer,
    LargeBinary,
    PrimaryKeyConstraint,
    Select,
    String,
    Table,
    UniqueConstraint,
    Uuid,
    bindparam,
    delete,
    func,
    insert,
    select,
    text,
    update,
)
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.exc import IntegrityError

from adapters.sqlalchemy.errors import violated_unique_constraint
from adapters.sqlalchemy.metadata import UtcDateTime, metadata
from adapters.sqlalchemy.queries import after_parameters, after_position
from adapters.sqlalchemy.statements import Repositories, Statements
from adapters.sqlalchemy.versions import save_versioned, versioned_update
from application.orders.ports import IdempotencyRecord, OrderQuery
from domain.orders import (
    Address,
    CancellationReason,
    Order,
    OrderLine,
    OrderStatus,
    Payment,
    PaymentInProgress,
    PaymentStatus,
)
from domain.shared.aggregate import Aggregate
from domain.shared.money import Currency, Money


def _one_of(column: str, values: type[Any]) -> str:
    return f"{column} IN ({', '.join(repr(v.value) for v in values)})"


_PENDING = text("status = 'pending_payment'")
_REFUND_PENDING = text("status = 'refund_pending'")
_ATTEMPT_PENDING = text("status = 'pending'")
# An order has at most one attempt in flight or charge kept: the claim's last guard.
_LIVE_PAYMENT = text("status IN ('pending', 'succeeded')")
ONE_LIVE_PAYMENT = "uq_payments_one_live_per_order"

orders = Table(
    "orders",
    metadata,
    Column("id", Uuid, primary_key=True),
    Column("customer_id", Uuid, ForeignKey("users.id"), nullable=False),
    Column("status", String(20), nullable=False),
    Column("total_minor", BigInteger, nullable=False),
    Column("currency", String(3), nullable=False),
    Column("ship_name", String(200), nullable=False),
    Column("ship_line1", String(200), nullable=False),
    Column("ship_line2", String(200), nullable=False),
    Column("ship_city", String(100), nullable=False),
    Column("ship_postal_code", String(20), nullable=False),
    Column("ship_country", String(2), nullable=False),
    Column("created_at", UtcDateTime, nullable=False),
    Column("updated_at", UtcDateTime, nullable=False),
    Column("payment_expires_at", UtcDateTime, nullable=True),
    Column("paid_at", UtcDateTime, nullable=True),
    Column("shipped_at", UtcDateTime, nullable=True),
    Column("delivered_at", UtcDateTime, nullable=True),
    Column("cancelled_at", UtcDateTime, nullable=True),
    Column("cancellation_reason", String(20), nullable=True),
    Column("tracking_number", String(100), nullable=True),
    Column("payment_attempts", Integer, nullable=False),
    Column("version", Integer, nullable=False),
    CheckConstraint(_one_of("status", OrderStatus), name="status"),
    CheckConstraint(_one_of("cancellation_reason", CancellationReason), name="cancellation_reason"),
    CheckConstraint("total_minor >= 0", name="total_not_negative"),
    # Every list the API offers, newest first, the id breaking ties (keyset pages).
    Index(None, "created_at", "id"),
    Index(None, "customer_id", "created_at", "id"),
    Index(None, "status", "created_at", "id"),
    # A customer's unpaid orders, counted at every checkout (at most a few each).
    Index(
        "ix_orders_pending_by_customer",
        "customer_id",
        postgresql_where=_PENDING,
        sqlite_where=_PENDING,
    ),
    # The expiry sweep reads only the pending orders.
    Index(
        "ix_orders_pending_expiry",
        "payment_expires_at",
        postgresql_where=_PENDING,
        sqlite_where=_PENDING,
    ),
)

order_lines = Table(
    "order_lines",
    metadata,
    Column("order_id", Uuid, ForeignKey("orders.id"), nullable=False),
    Column("position", Integer, nullable=False),
    Column("product_id", Uuid, ForeignKey("products.id"), nullable=False),
    Column("sku", String(64), nullable=False),
    Column("name", String(200), nullable=False),
    Column("unit_price_minor", BigInteger, nullable=False),
    Column("quantity", Integer, nullable=False),
    PrimaryKeyConstraint("order_id", "position"),
    CheckConstraint("quantity BETWEEN 1 AND 1000", name="quantity"),
    CheckConstraint("unit_price_minor >= 0", name="unit_price_not_negative"),
    Index(None, "product_id"),
)

payments = Table(
    "payments",
    metadata,
    Column("id", Uuid, primary_key=True),
    Column("order_id", Uuid, ForeignKey("orders.id"), nullable=False),
    Column("attempt", Integer, nullable=False),
    Column("amount_minor", BigInteger, nullable=False),
    Column("currency", String(3), nullable=False),
    Column("status", String(20), nullable=False),
    Column("charge_id", String(64), nullable=True),
    Column("refund_id", String(64), nullable=True),
    Column("created_at", UtcDateTime, nullable=False),
    Column("updated_at", UtcDateTime, nullable=False),
    UniqueConstraint("order_id", "attempt"),
    CheckConstraint(_one_of("status", PaymentStatus), name="status"),
    Index("ix_payments_refund_pending", "created_at", postgresql_where=_REFUND_PENDING,
          sqlite_where=_REFUND_PENDING),
    Index("ix_payments_attempt_pending", "created_at", postgresql_where=_ATTEMPT_PENDING,
          sqlite_where=_ATTEMPT_PENDING),
    Index(ONE_LIVE_PAYMENT, "order_id", unique=True, postgresql_where=_LIVE_PAYMENT,
          sqlite_where=_LIVE_PAYMENT),
)  # fmt: skip

idempotency_keys = Table(
    "idempotency_keys",
    metadata,
    Column("user_id", Uuid, ForeignKey("users.id"), nullable=False),
    Column("key", String(255), nullable=False),
    Column("fingerprint", String(64), nullable=False),
    Column("claim_id", Uuid, nullable=False),
    Column("locked_until", UtcDateTime, nullable=False),
    Column("expires_at", UtcDateTime, nullable=False),
    Column("body", LargeBinary, nullable=True),
    PrimaryKeyConstraint("user_id", "key"),
    Index(None, "expires_at"),
)


def _mutable_row(order: Order) -> dict[str, Any]:
    row = _order_row(order)
    return {name: row[name] for name in _MUTABLE}


def _order_row(order: Order) -> dict[str, Any]:
    address = order.shipping_address
    total = order.total
    return {
        "id": order.id,
        "customer_id": order.customer_id,
        "status": order.status.value,
        "total_minor": total.minor,
        "currency": total.currency.code,
        "ship_name": address.name,
        "ship_line1": address.line1,
        "ship_line2": address.line2,
        "ship_city": address.city,
        "ship_postal_code": address.postal_code,
        "ship_country": address.country,
        "created_at": order.created_at,
        "updated_at": order.updated_at,
        "payment_expires_at": order.payment_expires_at,
        "paid_at": order.paid_at,
        "shipped_at": order.shipped_at,
        "delivered_at": order.delivered_at,
        "cancelled_at": order.cancelled_at,
        "cancellation_reason": order.cancellation_reason,
        "tracking_number": order.tracking_number,
        "payment_attempts": order.payment_attempts,
        "version": order.version,
    }


def _line_rows(order: Order) -> list[dict[str, Any]]:
    return [
        {
            "order_id": order.id,
            "position": position,
            "product_id": line.product_id,
            "sku": line.sku,
            "name": line.name,
            "unit_price_minor": line.unit_price.minor,
            "quantity": line.quantity,
        }
        for position, line in enumerate(order.lines)
    ]


def _order(row: Mapping[Any, Any], lines: Sequence[Mapping[Any, Any]]) -> Order:
    currency = Currency(row["currency"])
    reason = row["cancellation_reason"]
    return Order(
        id=row["id"],
        customer_id=row["customer_id"],
        lines=tuple(
            OrderLine(
                product_id=line["line_product_id"],
                sku=line["line_sku"],
                name=line["line_name"],
                unit_price=Money(line["line_unit_price_minor"], currency),
                quantity=line["line_quantity"],
            )
            for line in lines
        ),
        shipping_address=Address(
            name=row["ship_name"],
            line1=row["ship_line1"],
            line2=row["ship_line2"],
            city=row["ship_city"],
            postal_code=row["ship_postal_code"],
            country=row["ship_country"],
        ),
        status=OrderStatus(row["status"]),
        created_at=row["created_at"],
        updated_at=row["updated_at"],
        payment_expires_at=row["payment_expires_at"],
        paid_at=row["paid_at"],
        shipped_at=row["shipped_at"],
        delivered_at=row["delivered_at"],
        cancelled_at=row["cancelled_at"],
        cancellation_reason=CancellationReason(reason) if reason else None,
        tracking_number=row["tracking_number"],
        payment_attempts=row["payment_attempts"],
        version=row["version"],
    )


def _with_lines(chosen: Select[Any], *order: str) -> Select[Any]:
    """The orders ``chosen`` selects, in its ``order`` (column names), each on a row per
    line: one statement, so one consistent read, however many orders and lines."""
    picked = chosen.subquery("chosen")
    lines = [column.label(f"line_{column.name}") for column in order_lines.c]
    return (
        select(picked, *lines)
        .select_from(picked.join(order_lines, order_lines.c.order_id == picked.c.id))
        .order_by(*_ordered(picked, order), order_lines.c.position)
    )


def _ordered(picked: Any, order: Sequence[str]) -> list[ColumnElement[Any]]:
    """``order``'s columns of ``picked``; a name starting with ``-`` in descending order."""
    return [picked.c[name[1:]].desc() if name.startswith("-") else picked.c[name] for name in order]


_SAVE_ORDER = versioned_update(orders)
# What saving an order writes: the columns that change (its lines never do).
_MUTABLE = (
    "id", "status", "updated_at", "payment_expires_at", "paid_at", "shipped_at", "delivered_at",
    "cancelled_at", "cancellation_reason", "tracking_number", "payment_attempts",
)  # fmt: skip
_NEWEST_FIRST = ("-created_at", "-id")
_ORDER_BY_ID = select(orders).where(orders.c.id == bindparam("order_id"))
_GET = _with_lines(_ORDER_BY_ID)
_GET_FOR_UPDATE = _with_lines(_ORDER_BY_ID.with_for_update())
# The pending orders whose payment time is up, oldest first; those another sweep has
# locked are skipped, not waited for.
_EXPIRED = _with_lines(
    select(orders)
    .where(orders.c.status == OrderStatus.PENDING_PAYMENT.value)
    .where(orders.c.payment_expires_at <= bindparam("now"))
    .order_by(orders.c.payment_expires_at, orders.c.id)
    .limit(bindparam("limit"))
    .with_for_update(skip_locked=True),
    "payment_expires_at",
    "id",
)
# A customer's placements queue on a lock of their own (SQLite's writers queue anyway).
_LOCK_CUSTOMER = select(func.pg_advisory_xact_lock(bindparam("key", type_=BigInteger)))
_COUNT_PENDING = (
    select(func.count().label("pending"))
    .select_from(orders)
    .where(orders.c.customer_id == bindparam("customer_id"), _PENDING)
)
_INSERT_ORDER, _INSERT_LINE = insert(orders), insert(order_lines)


@cache
def _page_statement(customer: bool, status: bool, after: bool) -> Select[Any]:
    """A page of orders, newest first, for the filters given (one statement each)."""
    conditions: list[ColumnElement[bool]] = []
    if customer:
        conditions.append(orders.c.customer_id == bindparam("customer_id"))
    if status:
        conditions.append(orders.c.status == bindparam("status"))
    if after:
        conditions.append(after_position((orders.c.created_at, orders.c.id), descending=True))
    chosen = (
        select(orders)
        .where(*conditions)
        .order_by(orders.c.created_at.desc(), orders.c.id.desc())
        .limit(bindparam("limit"))
    )
    return _with_lines(chosen, *_NEWEST_FIRST)


def _page_parameters(query: OrderQuery) -> dict[str, Any]:
    parameters: dict[str, Any] = {"limit": query.limit}
    if query.customer_id is not None:
        parameters["customer_id"] = query.customer_id
    if query.status is not None:
        parameters["status"] = query.status.value
    if query.after is not None:
        parameters |= after_parameters(query.after)
    return parameters


class SqlOrderRepository:
    def __init__(self, statements: Statements, track: Callable[[Aggregate], None]) -> None:
        self._statements, self._track = statements, track

    async def add(self, order: Order) -> None:
        await self._statements.execute(_INSERT_ORDER, _order_row(order))
        await self._statements.execute_many(_INSERT_LINE, _line_rows(order))
        self._track(order)

    async def get(self, order_id: UUID, *, for_update: bool = False) -> Order | None:
        found = await self._load(_GET_FOR_UPDATE if for_update else _GET, {"order_id": order_id})
        return found[0] if found else None

    async def save_many(self, batch: Sequence[Order]) -> None:
        await save_versioned(
            self._statements, _SAVE_ORDER, batch, _mutable_row, self._track, "order"
        )

    async def list(self, query: OrderQuery) -> Sequence[Order]:
        statement = _page_statement(
            query.customer_id is not None, query.status is not None, query.after is not None
        )
        return await self._load(statement, _page_parameters(query))

    async def count_pending(self, customer_id: UUID) -> int:
        if self._statements.dialect == "postgresql":
            key = int.from_bytes(customer_id.bytes[8:], "big", signed=True)
            await self._statements.rows(_LOCK_CUSTOMER, {"key": key})
        (row,) = await self._statements.rows(_COUNT_PENDING, {"customer_id": customer_id})
        return int(row["pending"])

    async def expired(self, now: datetime, limit: int) -> Sequence[Order]:
        return await self._load(_EXPIRED, {"now": now, "limit": limit})

    async def _load(self, statement: Select[Any], parameters: dict[str, Any]) -> Sequence[Order]:
        """The orders of a statement built by ``_with_lines``, in its order."""
        lines: dict[UUID, list[Mapping[Any, Any]]] = {}
        heads: list[Mapping[Any, Any]] = []
        for row in await self._statements.rows(statement, parameters):
            if row["id"] not in lines:
                lines[row["id"]] = []
                heads.append(row)
            lines[row["id"]].append(row)
        found = [_order(row, lines[row["id"]]) for row in heads]
        for order in found:
            self._track(order)
        return found


def _payment_row(payment: Payment) -> dict[str, Any]:
    return {
        "id": payment.id,
        "order_id": payment.order_id,
        "attempt": payment.attempt,
        "amount_minor": payment.amount.minor,
        "currency": payment.amount.currency.code,
        "status": payment.status.value,
        "charge_id": payment.charge_id,
        "refund_id": payment.refund_id,
        "created_at": payment.created_at,
        "updated_at": payment.updated_at,
    }


def _payment(row: Mapping[Any, Any]) -> Payment:
    return Payment(
        id=row["id"],
        order_id=row["order_id"],
        attempt=row["attempt"],
        amount=Money(row["amount_minor"], Currency(row["currency"])),
        status=PaymentStatus(row["status"]),
        charge_id=row["charge_id"],
        refund_id=row["refund_id"],
        created_at=row["created_at"],
        updated_at=row["updated_at"],
    )


_INSERT_PAYMENT = insert(payments)
_PAYMENT_BY_ID = select(payments).where(payments.c.id == bindparam("payment_id"))
_PAYMENT_BY_ID_FOR_UPDATE = _PAYMENT_BY_ID.with_for_update()
_PAYMENTS_OF_ORDER = (
    select(payments)
    .where(payments.c.order_id == bindparam("of_order"))
    .order_by(payments.c.attempt)
)
_PAYMENTS_OF_ORDER_FOR_UPDATE = _PAYMENTS_OF_ORDER.with_for_update()
_SAVE_PAYMENT = update(payments).where(payments.c.id == bindparam("payment_id"))
_REFUNDS_DUE = (
    select(payments)
    .where(payments.c.status == PaymentStatus.REFUND_PENDING.value)
    .order_by(payments.c.created_at)
    .limit(bindparam("limit"))
)
_PENDING_ATTEMPTS = (
    select(payments)
    .where(payments.c.status == PaymentStatus.PENDING.value)
    .where(payments.c.created_at < bindparam("claimed_before"))
    .order_by(payments.c.created_at)
    .limit(bindparam("limit"))
)
_EVERY_PAYMENT = select(payments).order_by(payments.c.created_at, payments.c.id)


class SqlPaymentRepository:
    def __init__(self, statements: Statements, track: Callable[[Aggregate], None]) -> None:
        self._statements, self._track = statements, track

    async def add(self, payment: Payment) -> None:
        try:
            await self._statements.execute(_INSERT_PAYMENT, _payment_row(payment))
        except IntegrityError as error:
            if violated_unique_constraint(error, payments) == ONE_LIVE_PAYMENT:
                raise PaymentInProgress("Another payment of this order is in progress") from error
            raise

    async def get(self, payment_id: UUID, *, for_update: bool = False) -> Payment | None:
        statement = _PAYMENT_BY_ID_FOR_UPDATE if for_update else _PAYMENT_BY_ID
        row = await self._statements.row(statement, {"payment_id": payment_id})
        return _payment(row) if row is not None else None

    async def for_order(self, order_id: UUID, *, for_update: bool = False) -> Sequence[Payment]:
        statement = _PAYMENTS_OF_ORDER_FOR_UPDATE if for_update else _PAYMENTS_OF_ORDER
        return await self._payments(statement, {"of_order": order_id})

    async def save(self, payment: Payment) -> None:
        row = _payment_row(payment)
        changes = {name: row[name] for name in ("status", "charge_id", "refund_id", "updated_at")}
        await self._statements.execute(_SAVE_PAYMENT, changes | {"payment_id": payment.id})
        self._track(payment)

    async def refunds_due(self, limit: int) -> Sequence[Payment]:
        return await self._payments(_REFUNDS_DUE, {"limit": limit})

    async def pending(self, claimed_before: datetime, limit: int) -> Sequence[Payment]:
        parameters = {"claimed_before": claimed_before, "limit": limit}
        return await self._payments(_PENDING_ATTEMPTS, parameters)

    async def every(self) -> Sequence[Payment]:
        return await self._payments(_EVERY_PAYMENT)

    async def _payments(
        self, statement: Select[Any], parameters: dict[str, Any] | None = None
    ) -> Sequence[Payment]:
        return [_payment(row) for row in await self._statements.rows(statement, parameters)]


def _record(row: Mapping[Any, Any]) -> IdempotencyRecord:
    return IdempotencyRecord(**{name: row[name] for name in idempotency_keys.c.keys()})  # noqa: SIM118


def _claim(dialect: Any) -> Insert:
    """One conditional upsert: a held key is taken over only when its answer expired,
    or its claim's lock is up and the same request asks again. Two racing claims for a
    free key: the database lets one insert and the other find it held."""
    held = idempotency_keys.c
    statement = dialect.insert(idempotency_keys)
    excluded = statement.excluded
    return statement.on_conflict_do_update(  # type: ignore[no-any-return]
        index_elements=[held.user_id, held.key],
        set_={name: excluded[name] for name in ("fingerprint", "claim_id", "locked_until",
                                                "expires_at", "body")},
        where=(held.expires_at <= bindparam("now"))
        | (held.body.is_(None) & (held.locked_until <= bindparam("now"))
           & (held.fingerprint == excluded.fingerprint)),
    )  # fmt: skip


_CLAIM = {"postgresql": _claim(postgresql), "sqlite": _claim(sqlite)}
_HELD = (
    idempotency_keys.c.user_id == bindparam("owner"),
    idempotency_keys.c.key == bindparam("held_key"),
)
_KEY = select(idempotency_keys).where(*_HELD)
_CLAIMED = (*_HELD, idempotency_keys.c.claim_id == bindparam("claim"))
_COMPLETE = update(idempotency_keys).where(*_CLAIMED).values(body=bindparam("answer"))
_RELEASE = delete(idempotency_keys).where(*_CLAIMED, idempotency_keys.c.body.is_(None))
_DELETE_EXPIRED_KEYS = delete(idempotency_keys).where(
    idempotency_keys.c.expires_at <= bindparam("now")
)


def _claimed_by(record: IdempotencyRecord) -> dict[str, Any]:
    return {"owner": record.user_id, "held_key": record.key, "claim": record.claim_id}


class SqlIdempotencyRepository:
    def __init__(self, statements: Statements, _track: Callable[[Aggregate], None]) -> None:
        self._statements = statements

    async def claim(self, record: IdempotencyRecord, now: datetime) -> IdempotencyRecord:
        row = {name: getattr(record, name) for name in idempotency_keys.c.keys()}  # noqa: SIM118
        await self._statements.execute(
            _CLAIM[self._statements.dialect], row | {"body": None, "now": now}
        )
        found = await self._statements.row(_KEY, {"owner": record.user_id, "held_key": record.key})
        assert found is not None, "claimed a moment ago, in this transaction"
        return _record(found)

    async def complete(self, record: IdempotencyRecord, body: bytes) -> bool:
        parameters = _claimed_by(record) | {"answer": body}
        return await self._statements.execute(_COMPLETE, parameters) == 1

    async def release(self, record: IdempotencyRecord) -> None:
        await self._statements.execute(_RELEASE, _claimed_by(record))

    async def delete_expired(self, now: datetime) -> int:
        return await self._statements.execute(_DELETE_EXPIRED_KEYS, {"now": now})


REPOSITORIES: Repositories = {
    "orders": SqlOrderRepository,
    "payments": SqlPaymentRepository,
    "idempotency_keys": SqlIdempotencyRepository,
}
