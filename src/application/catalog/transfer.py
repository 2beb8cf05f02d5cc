"""Products in bulk: importing rows (upsert by SKU, each row held to the same rules as the
API, written batch by batch) and exporting the whole catalog page by page. Both stream:
neither ever holds the catalog in memory."""

import re
from collections.abc import AsyncIterator, Iterable, Iterator, Sequence
from dataclasses import dataclass, field, replace
from datetime import datetime
from itertools import islice
from uuid import UUID

from application.catalog.commands import ProductSort
from application.catalog.ports import ProductQuery
from application.catalog.shared import Catalog
from application.shared.actor import Actor
from domain.catalog import MovementKind, Product, Sku, StockMovement
from domain.catalog.product import MAX_STOCK, clean_description, clean_name, clean_reason
from domain.catalog.stock import REASON_MAX_LENGTH
from domain.shared.errors import InvalidValue
from domain.shared.money import Currency, Money

_STOCK = re.compile(r"[0-9]{1,10}")


@dataclass(frozen=True, slots=True)
class ImportRow:
    """One row of a file, as text. ``problem``: what the file's reader found wrong with
    it (bytes that are not UTF-8, a missing field), if anything."""

    line: int
    sku: str
    name: str
    description: str
    price: str
    stock: str
    is_active: bool | None = None  # None: unchanged (active when new)
    problem: str | None = None


@dataclass(frozen=True, slots=True)
class ImportProducts:
    actor: Actor
    rows: Iterable[ImportRow]
    source: str  # where the rows come from, for the ledger's reason
    dry_run: bool = False
    batch_size: int = 1000


@dataclass(frozen=True, slots=True)
class RejectedRow:
    line: int
    reason: str


@dataclass(frozen=True, slots=True)
class ImportedBatch:
    """What one batch did (or, in a dry run, would have done)."""

    rows: int
    created: int
    updated: int
    unchanged: int
    rejected: tuple[RejectedRow, ...]


@dataclass(frozen=True, slots=True)
class ExportProducts:
    actor: Actor
    page_size: int = 1000


@dataclass(slots=True)
class _Plan:
    created: list[Product] = field(default_factory=list)
    updated: list[Product] = field(default_factory=list)
    movements: list[StockMovement] = field(default_factory=list)


@dataclass(frozen=True, slots=True)
class _Valid:
    sku: Sku
    name: str
    description: str
    price: Money
    stock: int
    is_active: bool | None


def _batches(rows: Iterable[ImportRow], size: int) -> Iterator[list[ImportRow]]:
    iterator = iter(rows)
    while batch := list(islice(iterator, size)):
        yield batch


def _stock(raw: str) -> int:
    if not _STOCK.fullmatch(raw) or int(raw) > MAX_STOCK:
        raise InvalidValue("stock", f"Stock is a whole number from 0 to {MAX_STOCK}")
    return int(raw)


class ImportProductsHandler:
    """Yields one report per batch. A batch is written in one transaction: its good rows
    all land, or (on a database error, raised) none of them; its bad rows never do."""

    def __init__(self, catalog: Catalog) -> None:
        self._catalog = catalog

    async def __call__(self, cmd: ImportProducts) -> AsyncIterator[ImportedBatch]:
        cmd.actor.require_admin("import products")
        # The ledger's reason for every movement, checked before a row is written.
        reason = clean_reason(f"import from {cmd.source}"[:REASON_MAX_LENGTH])
        first_lines: dict[str, int] = {}  # SKU key -> the line it first appeared on
        for batch in _batches(cmd.rows, cmd.batch_size):
            valid: list[_Valid] = []
            rejected: list[RejectedRow] = []
            for row in batch:
                try:
                    valid.append(self._validate(row, first_lines))
                except InvalidValue as error:
                    rejected.append(RejectedRow(row.line, f"{error.field}: {error.detail}"))
            plan = await self._write(valid, cmd, reason)
            created, updated = len(plan.created), len(plan.updated)
            yield ImportedBatch(
                len(batch), created, updated, len(valid) - created - updated, tuple(rejected)
            )

    def _validate(self, row: ImportRow, first_lines: dict[str, int]) -> _Valid:
        if row.problem is not None:
            raise InvalidValue("row", row.problem)
        sku = Sku.parse(row.sku)
        first = first_lines.setdefault(sku.key, row.line)
        if first != row.line:
            raise InvalidValue("sku", f"SKU {sku} is on line {first} already")
        return _Valid(
            sku=sku,
            name=clean_name(row.name),
            description=clean_description(row.description),
            price=Money.parse(row.price, self._catalog.store_currency, field="price"),
            stock=_stock(row.stock),
            is_active=row.is_active,
        )

    async def _write(self, rows: list[_Valid], cmd: ImportProducts, reason: str) -> _Plan:
        skus = [row.sku for row in rows]
        if not rows:
            return _Plan()
        if cmd.dry_run:
            async with self._catalog.read_uow() as reader:
                found = await reader.products.get_many_by_sku(skus)
                return self._plan(rows, found, cmd.actor.user_id, reason)
        async with self._catalog.uow() as uow:
            # Locked: what the plan read stays true until the batch is written.
            found = await uow.products.get_many_by_sku(skus, for_update=True)
            plan = self._plan(rows, found, cmd.actor.user_id, reason)
            if plan.created:
                await uow.products.add_many(plan.created)
            if plan.updated:
                await uow.products.save_many(plan.updated)
            if plan.movements:
                await uow.stock_movements.add_many(plan.movements)
            await uow.commit()
        return plan

    def _plan(
        self, rows: list[_Valid], found: Sequence[Product], actor_id: UUID | None, reason: str
    ) -> _Plan:
        """The products to create and update, and the ledger's movements, for ``rows``."""
        catalog, now, plan = self._catalog, self._catalog.clock.now(), _Plan()
        existing = {product.sku.key: product for product in found}
        for row in rows:
            product = existing.get(row.sku.key)
            is_new = product is None
            if product is None:
                product = Product.create(
                    id=catalog.ids.new_id(),
                    sku=row.sku,
                    name=row.name,
                    description=row.description,
                    price=row.price,
                    store_currency=catalog.store_currency,
                    now=now,
                )
                if row.is_active is False:
                    product.archive(now)
                plan.created.append(product)
            changed = not is_new and _update(product, row, catalog.store_currency, now)
            if product.stock != row.stock:
                plan.movements.append(
                    product.adjust_stock(
                        row.stock - product.stock,
                        movement_id=catalog.ids.new_id(),
                        kind=MovementKind.IMPORT,
                        reason=reason,
                        now=now,
                        actor_id=actor_id,
                    )
                )
                changed = not is_new
            if changed:
                plan.updated.append(product)
        return plan


def _update(product: Product, row: _Valid, currency: Currency, now: datetime) -> bool:
    """Brings the product's name, description, price and (when the row says) state to
    the row's; answers whether anything changed (an unchanged product keeps its
    version)."""
    before = (product.name, product.description, product.price, product.is_active)
    product.rename(row.name, now)
    product.describe(row.description, now)
    product.reprice(row.price, currency, now)
    if row.is_active is True:
        product.activate(now)
    elif row.is_active is False:
        product.archive(now)
    return before != (product.name, product.description, product.price, product.is_active)


class ExportProductsHandler:
    """Every product, archived ones too, oldest first: a page per query, so the catalog is
    never held in memory."""

    def __init__(self, catalog: Catalog) -> None:
        self._catalog = catalog

    async def __call__(self, cmd: ExportProducts) -> AsyncIterator[Product]:
        cmd.actor.require_admin("export products")
        query = ProductQuery(include_archived=True, sort=ProductSort.OLDEST, limit=cmd.page_size)
        while True:
            async with self._catalog.read_uow() as reader:
                page = await reader.products.list(query)
            for product in page:
                yield product
            if len(page) < cmd.page_size:
                return
            query = replace(query, after=(page[-1].created_at, page[-1].id))
