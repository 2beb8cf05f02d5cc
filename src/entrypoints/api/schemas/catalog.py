from datetime import datetime
from typing import Annotated, Any
from uuid import UUID

from pydantic import BaseModel, ConfigDict, Field, StrictBool

from application.catalog.commands import ProductSort
from domain.catalog.product import DESCRIPTION_MAX_LENGTH, MAX_STOCK, NAME_MAX_LENGTH
from domain.catalog.sku import MAX_LENGTH as SKU_MAX_LENGTH
from domain.catalog.sku import PATTERN as SKU_PATTERN
from domain.catalog.stock import REASON_MAX_LENGTH, MovementKind
from domain.shared import money
from domain.shared.text import CONTROL_CLASS
from entrypoints.api.schemas.common import (
    JSON_INTEGER,
    VISIBLE_TEXT_PATTERN,
    PageIn,
    RequestBody,
    search,
)

# Any currency's amounts; the document pins them to the store's (see openapi.py).
ANY_AMOUNT_PATTERN = r"^[0-9]{1,15}(\.[0-9]{1,3})?$"


def amount_pattern(currency: money.Currency) -> str:
    """Exactly the currency's minor digits, and never more than ``MAX_MINOR``."""
    digits = currency.minor_digits
    whole = f"[0-9]{{1,{len(str(money.MAX_MINOR)) - digits}}}"
    return f"^{whole}\\.[0-9]{{{digits}}}$" if digits else f"^{whole}$"


Amount = Annotated[
    str,
    Field(
        pattern=ANY_AMOUNT_PATTERN,
        description="A decimal string with exactly the store currency's minor digits",
        examples=["19.99"],
    ),
]
_CONTROL_BUT_LINES = CONTROL_CLASS.replace(r"\x00-\x1f", r"\x00-\x08\x0b-\x1f")
_NOT_ZERO: dict[str, Any] = {"not": {"const": 0}}

Sku = Annotated[str, Field(max_length=SKU_MAX_LENGTH, pattern=SKU_PATTERN, examples=["MUG-001"])]
Name = Annotated[
    str,
    Field(
        min_length=1,
        max_length=NAME_MAX_LENGTH,
        pattern=VISIBLE_TEXT_PATTERN,
        examples=["Enamel mug"],
    ),
]
Description = Annotated[
    str,
    Field(
        max_length=DESCRIPTION_MAX_LENGTH,
        pattern=rf"^[^{_CONTROL_BUT_LINES}]*$",
        description="Plain text; lines and tabs allowed, no other control characters",
    ),
]


class Money(BaseModel):
    """An amount of the store's currency, as an exact decimal string (never a float)."""

    model_config = ConfigDict(extra="forbid")

    amount: Amount
    currency: Annotated[str, Field(pattern=r"^[A-Z]{3}$", examples=["USD"])]


class CreateProductIn(RequestBody):
    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "sku": "JUG-001",
                    "name": "Milk jug",
                    "description": "Stoneware, 0.5 l",
                    "price": {"amount": "18.50", "currency": "USD"},
                    "stock": 12,
                }
            ]
        }
    )

    sku: Sku
    name: Name
    description: Description = ""
    price: Money
    stock: Annotated[int, Field(ge=0, le=MAX_STOCK), JSON_INTEGER] = 0


class UpdateProductIn(RequestBody):
    """A partial update: a field left out (or null) stays as it is."""

    model_config = ConfigDict(
        json_schema_extra={"examples": [{"price": {"amount": "19.00", "currency": "USD"}}]}
    )

    name: Name | None = None
    description: Description | None = None
    price: Money | None = None
    is_active: StrictBool | None = None


class StockAdjustmentIn(RequestBody):
    model_config = ConfigDict(
        json_schema_extra={"examples": [{"delta": -2, "reason": "two broken in the shop"}]}
    )

    delta: Annotated[
        int,
        Field(ge=-MAX_STOCK, le=MAX_STOCK, json_schema_extra=_NOT_ZERO, examples=[12]),
        JSON_INTEGER,
    ]
    reason: Annotated[
        str,
        Field(
            min_length=1,
            max_length=REASON_MAX_LENGTH,
            pattern=rf"^(?=.*\S)[^{CONTROL_CLASS}]+$",
            examples=["delivery from the supplier"],
        ),
    ]


class ProductOut(BaseModel):
    """The schema of ``entrypoints.documents.product_document``."""

    id: UUID
    sku: str
    name: str
    description: str
    price: Money
    stock: int
    is_active: bool
    version: int
    created_at: datetime
    updated_at: datetime


class ProductPageOut(BaseModel):
    items: list[ProductOut]
    next_cursor: str | None


class StockMovementOut(BaseModel):
    """The schema of ``entrypoints.documents.stock_movement_document``."""

    id: UUID
    product_id: UUID
    delta: int
    stock_after: int
    kind: MovementKind
    reason: str
    actor_id: UUID | None
    order_id: UUID | None
    created_at: datetime


class StockMovementPageOut(BaseModel):
    items: list[StockMovementOut]
    next_cursor: str | None


PriceBound = Annotated[str | None, Field(pattern=ANY_AMOUNT_PATTERN, description="inclusive")]


class ProductListIn(PageIn):
    q: Annotated[str | None, search("in name, SKU or description")] = None
    min_price: PriceBound = None
    max_price: PriceBound = None
    in_stock: bool | None = None
    include_archived: bool = False
    sort: ProductSort = ProductSort.NEWEST
