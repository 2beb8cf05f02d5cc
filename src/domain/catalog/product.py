from dataclasses import dataclass
from datetime import datetime
from uuid import UUID

from domain.catalog.errors import StockWouldGoNegative
from domain.catalog.events import (
    ProductArchived,
    ProductCreated,
    ProductDetailsChanged,
    ProductRepriced,
    StockAdjusted,
)
from domain.catalog.sku import Sku
from domain.catalog.stock import REASON_MAX_LENGTH, MovementKind, StockMovement
from domain.shared.aggregate import Aggregate
from domain.shared.errors import InvalidValue
from domain.shared.money import Currency, CurrencyMismatch, Money
from domain.shared.text import clean_text

NAME_MAX_LENGTH = 200
DESCRIPTION_MAX_LENGTH = 5000
MAX_STOCK = 2**31 - 1


def clean_name(name: str) -> str:
    return clean_text("name", name, longest=NAME_MAX_LENGTH)


def clean_description(description: str) -> str:
    return clean_text(
        "description", description, longest=DESCRIPTION_MAX_LENGTH, shortest=0, multiline=True
    )


def clean_reason(reason: str) -> str:
    return clean_text("reason", reason, longest=REASON_MAX_LENGTH)


def _check_price(price: Money, store_currency: Currency) -> Money:
    if price.currency != store_currency:
        raise CurrencyMismatch(f"Prices are in {store_currency}, not {price.currency}")
    if price.is_negative:
        raise InvalidValue("price", "A price is not negative")
    return price


@dataclass(eq=False, slots=True)
class Product(Aggregate):
    """The catalog's aggregate. Its stock changes only through movements, so the ledger
    always explains it; ``version`` guards every write against lost updates."""

    id: UUID
    sku: Sku
    name: str
    description: str
    price: Money
    stock: int
    is_active: bool
    created_at: datetime
    updated_at: datetime
    version: int = 1
    # The movements its ledger holds: each is numbered one more, under the same lock
    # (or version check) as the stock it explains, so the ledger reads as a chain.
    movements: int = 0

    @classmethod
    def create(
        cls,
        *,
        id: UUID,
        sku: Sku,
        name: str,
        description: str,
        price: Money,
        store_currency: Currency,
        now: datetime,
    ) -> "Product":
        """A new product, with no stock: stock arrives as movements."""
        product = cls(
            id=id,
            sku=sku,
            name=clean_name(name),
            description=clean_description(description),
            price=_check_price(price, store_currency),
            stock=0,
            is_active=True,
            created_at=now,
            updated_at=now,
        )
        product.record(ProductCreated(id, sku.value, price.amount))
        return product

    def rename(self, name: str, now: datetime) -> None:
        name = clean_name(name)
        if name != self.name:
            self.name, self.updated_at = name, now
            self.record(ProductDetailsChanged(self.id))

    def describe(self, description: str, now: datetime) -> None:
        description = clean_description(description)
        if description != self.description:
            self.description, self.updated_at = description, now
            self.record(ProductDetailsChanged(self.id))

    def reprice(self, price: Money, store_currency: Currency, now: datetime) -> None:
        price = _check_price(price, store_currency)
        if price != self.price:
            self.price, self.updated_at = price, now
            self.record(ProductRepriced(self.id, price.amount))

    def activate(self, now: datetime) -> None:
        if not self.is_active:
            self.is_active, self.updated_at = True, now
            self.record(ProductDetailsChanged(self.id))

    def archive(self, now: datetime) -> None:
        """Hidden from shoppers; orders keep their snapshot of it."""
        if self.is_active:
            self.is_active, self.updated_at = False, now
            self.record(ProductArchived(self.id))

    def adjust_stock(
        self,
        delta: int,
        *,
        movement_id: UUID,
        kind: MovementKind,
        reason: str,
        now: datetime,
        actor_id: UUID | None = None,
        order_id: UUID | None = None,
    ) -> StockMovement:
        """Changes the stock by ``delta`` (never to below zero) and answers the movement
        that explains it, for the ledger."""
        reason = clean_reason(reason)
        if delta == 0:
            raise InvalidValue("delta", "A stock change is not zero")
        after = self.stock + delta
        if after < 0:
            raise StockWouldGoNegative(
                f"Only {self.stock} left of SKU {self.sku}; cannot remove {-delta}"
            )
        if after > MAX_STOCK:
            raise InvalidValue("delta", f"Stock is at most {MAX_STOCK}")
        self.stock, self.updated_at = after, now
        self.movements += 1
        self.record(StockAdjusted(self.id, delta, after, kind.value))
        return StockMovement(
            id=movement_id,
            product_id=self.id,
            sequence=self.movements,
            delta=delta,
            stock_after=after,
            kind=kind,
            reason=reason,
            actor_id=actor_id,
            order_id=order_id,
            created_at=now,
        )
