"""The catalog context in SQL: its tables, row mapping and repositories."""

from collections.abc import Callable, Collection, Mapping, Sequence
from dataclasses import dataclass
from functools import cache
from typing import Any
from uuid import UUID

from sqlalchemy import (
    BigInteger,
    Boolean,
    CheckConstraint,
    Column,
    ColumnElement,
    ForeignKey,
    Index,
    Integer,
    Select,
    String,
    Table,
    Text,
    UniqueConstraint,
    Uuid,
    and_,
    bindparam,
    insert,
    select,
)
from sqlalchemy.exc import IntegrityError

from adapters.sqlalchemy.errors import violated_unique_constraint
from adapters.sqlalchemy.metadata import UtcDateTime, metadata
from adapters.sqlalchemy.queries import after_parameters, after_position, like_pattern
from adapters.sqlalchemy.statements import Repositories, Statements, one_of
from adapters.sqlalchemy.versions import save_versioned, versioned_update
from application.catalog.commands import ProductSort
from application.catalog.ports import ProductQuery
from domain.catalog import MovementKind, Product, Sku, SkuTaken, StockMovement
from domain.shared.aggregate import Aggregate
from domain.shared.money import Currency, Money

# Code-point order on every database (PostgreSQL's default collation sorts by locale),
# so that pages in name order agree everywhere and with the in-memory adapter.
_BYTEWISE = Text().with_variant(Text(collation="C"), "postgresql")

products = Table(
    "products",
    metadata,
    Column("id", Uuid, primary_key=True),
    Column("sku", String(64), nullable=False),
    # The SKU lower-cased: unique, so SKUs are unique case-insensitively everywhere.
    Column("sku_key", String(64), nullable=False, unique=True),
    Column("name", String(200), nullable=False),
    Column("name_key", _BYTEWISE, nullable=False),  # the name case-folded, for sorting
    Column("description", Text, nullable=False),
    # Name, SKU and description case-folded, for the "q" search (a trigram index on
    # PostgreSQL; a scan on SQLite).
    Column("search_text", Text, nullable=False),
    Column("price_minor", BigInteger, nullable=False),
    Column("currency", String(3), nullable=False),
    Column("stock", Integer, nullable=False),
    Column("is_active", Boolean, nullable=False),
    Column("created_at", UtcDateTime, nullable=False),
    Column("updated_at", UtcDateTime, nullable=False),
    Column("version", Integer, nullable=False),
    Column("movements", Integer, nullable=False),
    CheckConstraint("stock >= 0", name="stock_not_negative"),
    CheckConstraint("price_minor >= 0", name="price_not_negative"),
    # One index per sort the API offers, the id breaking ties (keyset pages).
    Index(None, "created_at", "id"),
    Index(None, "price_minor", "id"),
    Index(None, "name_key", "id"),
    Index(
        "ix_products_search_text_trgm",
        "search_text",
        postgresql_using="gin",
        postgresql_ops={"search_text": "gin_trgm_ops"},
    ).ddl_if(dialect="postgresql"),
)

stock_movements = Table(
    "stock_movements",
    metadata,
    Column("id", Uuid, primary_key=True),
    Column("product_id", Uuid, ForeignKey("products.id"), nullable=False),
    Column("sequence", Integer, nullable=False),
    Column("delta", Integer, nullable=False),
    Column("stock_after", Integer, nullable=False),
    Column("kind", String(32), nullable=False),
    Column("reason", String(500), nullable=False),
    Column("actor_id", Uuid, nullable=True),
    Column("order_id", Uuid, nullable=True),
    Column("created_at", UtcDateTime, nullable=False),
    CheckConstraint("stock_after >= 0", name="stock_after_not_negative"),
    CheckConstraint(
        "kind IN ('adjustment', 'import', 'order_reservation', 'order_release')", name="kind"
    ),
    # A product's ledger, newest first; two movements never share a place in it.
    UniqueConstraint("product_id", "sequence"),
)

_SKU_UNIQUE = "uq_products_sku_key"
_SORT_COLUMNS = {
    "created_at": products.c.created_at,
    "price": products.c.price_minor,
    "name": products.c.name_key,
}


# What a Product is made of: the keys kept for indexes and search are never read back.
_PRODUCT = [
    products.c[name]
    for name in (
        "id", "sku", "name", "description", "price_minor", "currency", "stock", "is_active",
        "created_at", "updated_at", "version", "movements",
    )
]  # fmt: skip
# The read of every product page.
_PRODUCT_BY_ID = select(*_PRODUCT).where(products.c.id == bindparam("product_id"))
_PRODUCT_BY_ID_FOR_UPDATE = _PRODUCT_BY_ID.with_for_update()
_PRODUCT_BY_SKU = select(*_PRODUCT).where(products.c.sku_key == bindparam("sku_key"))
# An order's products, locked in id order (a fixed order: no deadlocks); an import's.
_BY_IDS = {
    dialect: select(*_PRODUCT).where(condition).order_by(products.c.id)
    for dialect, condition in one_of(products.c.id, "ids").items()
}
_BY_IDS_FOR_UPDATE = {dialect: query.with_for_update() for dialect, query in _BY_IDS.items()}
_BY_SKUS = {
    dialect: select(*_PRODUCT).where(condition).order_by(products.c.id)
    for dialect, condition in one_of(products.c.sku_key, "sku_keys").items()
}
_BY_SKUS_FOR_UPDATE = {dialect: query.with_for_update() for dialect, query in _BY_SKUS.items()}


@dataclass(frozen=True, slots=True)
class _PageShape:
    """What a page query's SQL depends on (its values aside): one statement per shape,
    built and compiled once."""

    sort: ProductSort
    include_archived: bool
    text: bool
    min_price: bool
    max_price: bool
    in_stock: bool | None
    after: bool

    @classmethod
    def of(cls, query: ProductQuery) -> "_PageShape":
        return cls(
            sort=query.sort,
            include_archived=query.include_archived,
            text=bool(query.text),
            min_price=query.min_price is not None,
            max_price=query.max_price is not None,
            in_stock=query.in_stock,
            after=query.after is not None,
        )


@cache
def _page_statement(shape: _PageShape) -> Select[Any]:
    conditions: list[ColumnElement[bool]] = []
    if not shape.include_archived:
        conditions.append(products.c.is_active.is_(True))
    if shape.text:
        conditions.append(products.c.search_text.like(bindparam("text"), escape="\\"))
    if shape.min_price:
        conditions.append(products.c.price_minor >= bindparam("min_price"))
    if shape.max_price:
        conditions.append(products.c.price_minor <= bindparam("max_price"))
    if shape.in_stock is not None:
        conditions.append(products.c.stock > 0 if shape.in_stock else products.c.stock == 0)
    order = (_SORT_COLUMNS[shape.sort.key], products.c.id)
    descending = shape.sort.descending
    if shape.after:
        conditions.append(after_position(order, descending=descending))
    return (
        select(*_PRODUCT)
        .where(and_(True, *conditions))
        .order_by(*(column.desc() for column in order) if descending else order)
        .limit(bindparam("limit"))
    )


def _page_parameters(query: ProductQuery) -> dict[str, Any]:
    parameters: dict[str, Any] = {"limit": query.limit}
    if query.text:
        parameters["text"] = like_pattern(query.text.casefold())
    if query.min_price is not None:
        parameters["min_price"] = query.min_price.minor
    if query.max_price is not None:
        parameters["max_price"] = query.max_price.minor
    if query.after is not None:
        parameters |= after_parameters(query.after)
    return parameters


def search_text(product: Product) -> str:
    return "\n".join((product.name, product.sku.value, product.description)).casefold()


def _product_to_domain(row: Mapping[Any, Any]) -> Product:
    return Product(
        id=row["id"],
        sku=Sku(row["sku"]),
        name=row["name"],
        description=row["description"],
        price=Money(row["price_minor"], Currency(row["currency"])),
        stock=row["stock"],
        is_active=row["is_active"],
        created_at=row["created_at"],
        updated_at=row["updated_at"],
        version=row["version"],
        movements=row["movements"],
    )


def _product_to_row(product: Product) -> dict[str, Any]:
    return {
        "id": product.id,
        "sku": product.sku.value,
        "sku_key": product.sku.key,
        "name": product.name,
        "name_key": product.name.casefold(),
        "description": product.description,
        "search_text": search_text(product),
        "price_minor": product.price.minor,
        "currency": product.price.currency.code,
        "stock": product.stock,
        "is_active": product.is_active,
        "created_at": product.created_at,
        "updated_at": product.updated_at,
        "version": product.version,
        "movements": product.movements,
    }


_SAVE = versioned_update(products)
_INSERT_PRODUCT, _INSERT_MOVEMENT = insert(products), insert(stock_movements)


def _movement_to_domain(row: Mapping[Any, Any]) -> StockMovement:
    return StockMovement(
        id=row["id"],
        product_id=row["product_id"],
        sequence=row["sequence"],
        delta=row["delta"],
        stock_after=row["stock_after"],
        kind=MovementKind(row["kind"]),
        reason=row["reason"],
        actor_id=row["actor_id"],
        order_id=row["order_id"],
        created_at=row["created_at"],
    )


def _movement_to_row(movement: StockMovement) -> dict[str, Any]:
    return {
        "id": movement.id,
        "product_id": movement.product_id,
        "sequence": movement.sequence,
        "delta": movement.delta,
        "stock_after": movement.stock_after,
        "kind": movement.kind.value,
        "reason": movement.reason,
        "actor_id": movement.actor_id,
        "order_id": movement.order_id,
        "created_at": movement.created_at,
    }


@cache
def _ledger_page(after: bool) -> Select[Any]:
    """A product's movements, newest first."""
    order = (stock_movements.c.sequence,)
    conditions = [stock_movements.c.product_id == bindparam("product_id")]
    if after:
        conditions.append(after_position(order, descending=True))
    return (
        select(stock_movements)
        .where(*conditions)
        .order_by(stock_movements.c.sequence.desc())
        .limit(bindparam("limit"))
    )


class SqlProductRepository:
    def __init__(self, statements: Statements, track: Callable[[Aggregate], None]) -> None:
        self._statements, self._track = statements, track

    async def add(self, product: Product) -> None:
        try:
            await self.add_many([product])
        except SkuTaken:
            raise SkuTaken(f"SKU {product.sku} is in use already") from None

    async def add_many(self, batch: Sequence[Product]) -> None:
        try:
            await self._statements.execute_many(
                _INSERT_PRODUCT, [_product_to_row(p) for p in batch]
            )
        except IntegrityError as error:
            if violated_unique_constraint(error, products) == _SKU_UNIQUE:
                raise SkuTaken("A SKU of these products is in use already") from None
            raise
        for product in batch:
            self._track(product)

    async def get(self, product_id: UUID, *, for_update: bool = False) -> Product | None:
        statement = _PRODUCT_BY_ID_FOR_UPDATE if for_update else _PRODUCT_BY_ID
        return self._found(await self._statements.row(statement, {"product_id": product_id}))

    async def get_many(
        self, product_ids: Collection[UUID], *, for_update: bool = False
    ) -> Sequence[Product]:
        statement = (_BY_IDS_FOR_UPDATE if for_update else _BY_IDS)[self._statements.dialect]
        rows = await self._statements.rows(statement, {"ids": list(set(product_ids))})
        return [product for row in rows if (product := self._found(row))]

    async def get_by_sku(self, sku: Sku) -> Product | None:
        return self._found(await self._statements.row(_PRODUCT_BY_SKU, {"sku_key": sku.key}))

    async def get_many_by_sku(
        self, skus: Collection[Sku], *, for_update: bool = False
    ) -> Sequence[Product]:
        statement = (_BY_SKUS_FOR_UPDATE if for_update else _BY_SKUS)[self._statements.dialect]
        rows = await self._statements.rows(statement, {"sku_keys": list({s.key for s in skus})})
        return [product for row in rows if (product := self._found(row))]

    async def save(self, product: Product) -> None:
        await self.save_many([product])

    async def save_many(self, batch: Sequence[Product]) -> None:
        await save_versioned(
            self._statements, _SAVE, batch, _product_to_row, self._track, "product"
        )

    async def list(self, query: ProductQuery) -> Sequence[Product]:
        statement = _page_statement(_PageShape.of(query))
        rows = await self._statements.rows(statement, _page_parameters(query))
        return [product for row in rows if (product := self._found(row))]

    def _found(self, row: Mapping[Any, Any] | None) -> Product | None:
        if row is None:
            return None
        product = _product_to_domain(row)
        self._track(product)
        return product


class SqlStockMovementRepository:
    def __init__(self, statements: Statements, _track: Callable[[Aggregate], None]) -> None:
        self._statements = statements

    async def add(self, movement: StockMovement) -> None:
        await self.add_many([movement])

    async def add_many(self, movements: Sequence[StockMovement]) -> None:
        rows = [_movement_to_row(m) for m in movements]
        await self._statements.execute_many(_INSERT_MOVEMENT, rows)

    async def list_for_product(
        self, product_id: UUID, limit: int, after: tuple[int, UUID] | None
    ) -> Sequence[StockMovement]:
        parameters: dict[str, Any] = {"product_id": product_id, "limit": limit}
        if after is not None:
            parameters |= after_parameters(after[:1])
        rows = await self._statements.rows(_ledger_page(after is not None), parameters)
        return [_movement_to_domain(row) for row in rows]


REPOSITORIES: Repositories = {
    "products": SqlProductRepository,
    "stock_movements": SqlStockMovementRepository,
}
