from datetime import datetime
from typing import Annotated
from uuid import UUID

from pydantic import BaseModel, ConfigDict, Field

from domain.orders import MAX_LINES, MAX_QUANTITY, CancellationReason, OrderStatus
from domain.orders.address import FIELD_LIMITS
from domain.orders.countries import COUNTRY_CODES
from domain.orders.order import TRACKING_NUMBER_MAX_LENGTH
from entrypoints.api.schemas.catalog import Money
from entrypoints.api.schemas.common import JSON_INTEGER, VISIBLE_TEXT_PATTERN, PageIn, RequestBody


def _text(field: str) -> object:
    return Field(min_length=1, max_length=FIELD_LIMITS[field], pattern=VISIBLE_TEXT_PATTERN)


Country = Annotated[
    str,
    Field(
        pattern=r"^[A-Z]{2}$",
        description="ISO 3166-1 alpha-2",
        examples=["US"],
        json_schema_extra={"enum": sorted(COUNTRY_CODES)},
    ),
]


class LineIn(RequestBody):
    product_id: UUID
    quantity: Annotated[int, Field(ge=1, le=MAX_QUANTITY), JSON_INTEGER]


class AddressIn(RequestBody):
    name: Annotated[str, _text("name")]
    line1: Annotated[str, _text("line1")]
    line2: Annotated[str | None, _text("line2")] = None
    city: Annotated[str, _text("city")]
    postal_code: Annotated[str, _text("postal_code")]
    country: Country


class PlaceOrderIn(RequestBody):
    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "lines": [
                        {"product_id": "01936b2e-6f2a-7c4e-9b1d-3a5f8e2c7d10", "quantity": 2}
                    ],
                    "shipping_address": {
                        "name": "Ada Lovelace",
                        "line1": "12 St James Square",
                        "city": "London",
                        "postal_code": "SW1Y 4JH",
                        "country": "GB",
                    },
                }
            ]
        }
    )

    lines: Annotated[
        list[LineIn],
        Field(min_length=1, max_length=MAX_LINES, description="A product at most once"),
    ]
    shipping_address: AddressIn


class PayIn(RequestBody):
    model_config = ConfigDict(json_schema_extra={"examples": [{"payment_token": "tok_visa"}]})

    payment_token: Annotated[
        str,
        Field(
            min_length=1,
            max_length=255,
            description="From the payment provider; the built-in fake takes `tok_visa` "
            "and `tok_mastercard` (approved) and `tok_chargeDeclined` (declined)",
            examples=["tok_visa"],
        ),
    ]


class ShipIn(RequestBody):
    model_config = ConfigDict(
        json_schema_extra={"examples": [{"tracking_number": "1Z999AA10123456784"}]}
    )

    tracking_number: Annotated[
        str | None,
        Field(min_length=1, max_length=TRACKING_NUMBER_MAX_LENGTH, pattern=VISIBLE_TEXT_PATTERN),
    ] = None


class OrderLineOut(BaseModel):
    product_id: UUID
    sku: str
    name: str
    unit_price: Money
    quantity: int
    line_total: Money


class AddressOut(BaseModel):
    name: str
    line1: str
    line2: str | None
    city: str
    postal_code: str
    country: str


class OrderOut(BaseModel):
    """The schema of ``entrypoints.documents.order_document``."""

    id: UUID
    customer_id: UUID
    status: OrderStatus
    lines: list[OrderLineOut]
    total: Money
    shipping_address: AddressOut
    created_at: datetime
    updated_at: datetime
    payment_expires_at: datetime | None
    paid_at: datetime | None
    shipped_at: datetime | None
    delivered_at: datetime | None
    cancelled_at: datetime | None
    cancellation_reason: CancellationReason | None
    tracking_number: str | None


class OrderPageOut(BaseModel):
    items: list[OrderOut]
    next_cursor: str | None


class OrderListIn(PageIn):
    status: OrderStatus | None = None
    customer_id: UUID | None = None
