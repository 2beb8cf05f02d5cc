"""The fake payment gateway's books in SQL: a table of its own, which the shop's use
cases never touch (only the gateway adapter writes it), so what the gateway did can be
compared with what the shop recorded, after any crash or restart. Each write is its own
short transaction, as a real provider's is its own system."""

from collections.abc import AsyncIterator, Callable, Iterable, Mapping, Sequence
from contextlib import asynccontextmanager
from typing import Any

from sqlalchemy import BigInteger, Boolean, Column, String, Table, bindparam, select
from sqlalchemy.dialects import postgresql, sqlite

from adapters.payments.fake import Entry
from adapters.sqlalchemy.connections import Connections
from adapters.sqlalchemy.metadata import metadata
from adapters.sqlalchemy.statements import Statements
from adapters.sqlalchemy.unit_of_work import SqlUnitOfWork
from adapters.system import SystemClock, Uuid7Generator
from application.shared.outbox import OutboxWriter, PublicEvent
from domain.shared.aggregate import Aggregate
from domain.shared.errors import ServiceUnavailable
from domain.shared.events import DomainEvent
from domain.shared.money import Currency, Money

gateway_books = Table(
    "fake_gateway_books",
    metadata,
    Column("idempotency_key", String(100), primary_key=True),
    Column("kind", String(10), nullable=False),
    Column("approved", Boolean, nullable=False),
    Column("reference", String(64), nullable=True),
    Column("amount_minor", BigInteger, nullable=False),
    Column("currency", String(3), nullable=False),
    Column("charge_id", String(64), nullable=True),
)


def _entry(row: Mapping[Any, Any]) -> Entry:
    return Entry(
        idempotency_key=row["idempotency_key"],
        kind=row["kind"],
        approved=row["approved"],
        reference=row["reference"],
        amount=Money(row["amount_minor"], Currency(row["currency"])),
        charge_id=row["charge_id"],
    )


_WRITE = {
    name: dialect.insert(gateway_books).on_conflict_do_nothing(
        index_elements=[gateway_books.c.idempotency_key]
    )
    for name, dialect in (("postgresql", postgresql), ("sqlite", sqlite))
}
_ENTRY = select(gateway_books).where(gateway_books.c.idempotency_key == bindparam("entry_key"))
_ENTRIES = select(gateway_books)


class _Entries:
    """The books as a unit of work's repository; their entries raise no events."""

    def __init__(self, statements: Statements, _track: Callable[[Aggregate], None]) -> None:
        self._statements = statements

    async def write(self, entry: Entry) -> Entry:
        """The entry of ``entry``'s key: ``entry``, or the one written before it."""
        row = {
            "idempotency_key": entry.idempotency_key,
            "kind": entry.kind,
            "approved": entry.approved,
            "reference": entry.reference,
            "amount_minor": entry.amount.minor,
            "currency": entry.amount.currency.code,
            "charge_id": entry.charge_id,
        }
        await self._statements.execute(_WRITE[self._statements.dialect], row)
        found = await self.find(entry.idempotency_key)
        assert found is not None, "written a moment ago, in this transaction"
        return found

    async def find(self, idempotency_key: str) -> Entry | None:
        row = await self._statements.row(_ENTRY, {"entry_key": idempotency_key})
        return _entry(row) if row is not None else None

    async def every(self) -> Sequence[Entry]:
        return [_entry(row) for row in await self._statements.rows(_ENTRIES)]


def _no_events(aggregate: Aggregate, event: DomainEvent) -> Iterable[PublicEvent]:
    raise AssertionError("the books' entries raise no events")


_NO_EVENTS = OutboxWriter(_no_events, Uuid7Generator(), SystemClock())


class SqlGatewayBooks:
    def __init__(self, connections: Connections) -> None:
        self._connections = connections

    async def write(self, entry: Entry) -> Entry:
        async with self._books() as books:
            written: Entry = await books.entries.write(entry)
            await books.commit()
        return written

    async def find(self, idempotency_key: str) -> Entry | None:
        async with self._books() as books:
            found: Entry | None = await books.entries.find(idempotency_key)
        return found

    async def entries(self) -> Sequence[Entry]:
        async with self._books() as books:
            every: Sequence[Entry] = await books.entries.every()
        return every

    @asynccontextmanager
    async def _books(self) -> AsyncIterator[Any]:
        """A transaction of the books' own; the gateway unreachable, as its port says,
        when its books are."""
        try:
            async with SqlUnitOfWork(self._connections, {"entries": _Entries}, _NO_EVENTS) as uow:
                yield uow
        except ServiceUnavailable as error:
            raise ServiceUnavailable("The payment gateway does not answer") from error
