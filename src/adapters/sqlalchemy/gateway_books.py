"""The fake payment gateway's books in SQL: a table of its own, which the shop's use
cases never touch (only the gateway adapter writes it), so what the gateway did can be
compared with what the shop recorded, after any crash or restart. Each write is its own
short transaction, as a real provider's is its own system."""

from collections.abc import AsyncIterator, Mapping, Sequence
from contextlib import asynccontextmanager
from typing import Any

from sqlalchemy import BigInteger, Boolean, Column, String, Table, select
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine

from adapters.payments.fake import Entry
from adapters.sqlalchemy.metadata import metadata
from adapters.sqlalchemy.unit_of_work import database_unreachable
from domain.shared.errors import ServiceUnavailable
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


class SqlGatewayBooks:
    def __init__(self, engine: AsyncEngine) -> None:
        self._engine = engine

    async def write(self, entry: Entry) -> Entry:
        dialect = postgresql if self._engine.dialect.name == "postgresql" else sqlite
        statement = (
            dialect.insert(gateway_books)
            .values(
                idempotency_key=entry.idempotency_key,
                kind=entry.kind,
                approved=entry.approved,
                reference=entry.reference,
                amount_minor=entry.amount.minor,
                currency=entry.amount.currency.code,
                charge_id=entry.charge_id,
            )
            .on_conflict_do_nothing(index_elements=[gateway_books.c.idempotency_key])
        )
        async with self._transaction() as conn:
            await conn.execute(statement)
            query = select(gateway_books).where(
                gateway_books.c.idempotency_key == entry.idempotency_key
            )
            return _entry((await conn.execute(query)).mappings().one())

    async def find(self, idempotency_key: str) -> Entry | None:
        query = select(gateway_books).where(gateway_books.c.idempotency_key == idempotency_key)
        async with self._transaction() as conn:
            row = (await conn.execute(query)).mappings().one_or_none()
        return _entry(row) if row is not None else None

    async def entries(self) -> Sequence[Entry]:
        async with self._transaction() as conn:
            rows = (await conn.execute(select(gateway_books))).mappings().all()
        return [_entry(row) for row in rows]

    @asynccontextmanager
    async def _transaction(self) -> AsyncIterator[AsyncConnection]:
        """The gateway unreachable, as its port says, when its books are."""
        try:
            async with self._engine.begin() as conn:
                yield conn
        except Exception as error:
            if database_unreachable(error):
                raise ServiceUnavailable("The payment gateway does not answer") from error
            raise
