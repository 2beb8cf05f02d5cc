from datetime import datetime
from functools import cache
from typing import Annotated, Literal
from uuid import UUID

from pydantic import BaseModel, ConfigDict, Field, StrictBool, create_model

from domain.notifications import DeliveryStatus
from domain.notifications.webhook import ALL_EVENTS, DESCRIPTION_MAX_LENGTH, URL_MAX_LENGTH
from entrypoints.api.schemas.catalog import Money, ProductOut
from entrypoints.api.schemas.common import PageIn, RequestBody
from entrypoints.api.schemas.orders import OrderOut
from entrypoints.api.schemas.users import UserOut
from entrypoints.events import EVENT_TYPES

EventType = Annotated[
    str,
    Field(
        max_length=64,
        json_schema_extra={"enum": [ALL_EVENTS, *sorted(EVENT_TYPES)]},
        description="An event type, or `*` for every one (new types included)",
    ),
]
_PORT = "6553[0-5]|655[0-2][0-9]|65[0-4][0-9]{2}|6[0-4][0-9]{3}|[1-5][0-9]{4}|[1-9][0-9]{0,3}"
Url = Annotated[
    str,
    Field(
        max_length=URL_MAX_LENGTH,
        # A host name or IPv4 address, a port, then printable ASCII: what the domain's
        # check takes, said so that a client can know it beforehand.
        pattern=rf"^https?://[A-Za-z0-9-]+(\.[A-Za-z0-9-]+)*\.?(:({_PORT}))?([/?#][!-~]*)?$",
        description="https:// (plain http:// too outside production); it must resolve to "
        "public addresses at each delivery",
        examples=["https://hooks.example.com/emporium"],
    ),
]
EventTypes = Annotated[list[EventType], Field(min_length=1, max_length=64)]
Description = Annotated[str, Field(max_length=DESCRIPTION_MAX_LENGTH)]


class CreateWebhookIn(RequestBody):
    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "url": "https://hooks.example.com/emporium",
                    "event_types": ["order.paid", "order.cancelled"],
                    "description": "the warehouse",
                }
            ]
        }
    )

    url: Url
    event_types: EventTypes
    description: Description = ""
    enabled: StrictBool = True


class UpdateWebhookIn(RequestBody):
    """A partial update: a field left out (or null) stays as it is. Enabling an endpoint
    that was disabled after failures starts its count of failures again."""

    model_config = ConfigDict(json_schema_extra={"examples": [{"enabled": True}]})

    url: Url | None = None
    event_types: EventTypes | None = None
    description: Description | None = None
    enabled: StrictBool | None = None


class WebhookOut(BaseModel):
    """The schema of ``entrypoints.documents.webhook_document``."""

    id: UUID
    url: str
    event_types: list[str]
    description: str
    enabled: bool
    failures_in_a_row: int = Field(description="deliveries failed for good since the last one")
    created_at: datetime
    updated_at: datetime


class WebhookWithSecretOut(WebhookOut):
    secret: str = Field(
        description="The signing secret (`whsec_` and base64), shown this once: keep it",
        examples=["whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"],
    )


class WebhookListOut(BaseModel):
    items: list[WebhookOut]


class DeliveryOut(BaseModel):
    """The schema of ``entrypoints.documents.delivery_document``."""

    id: UUID
    event_id: UUID = Field(description="also the `webhook-id` header the receiver got")
    event_type: str
    status: DeliveryStatus
    attempts: int
    last_status_code: int | None
    last_error: str | None
    next_attempt_at: datetime | None = Field(description="when pending")
    created_at: datetime
    delivered_at: datetime | None


class DeliveryPageOut(BaseModel):
    items: list[DeliveryOut]
    next_cursor: str | None


class RefundedPaymentOut(BaseModel):
    """The data of ``payment.refunded``."""

    id: UUID
    order_id: UUID
    amount: Money
    status: str
    refund_id: str | None
    updated_at: datetime


# What each event's ``data`` is, by the first part of its type: a snapshot of its subject,
# the document the API answers for it.
EVENT_DATA: dict[str, type[BaseModel]] = {
    "order": OrderOut,
    "payment": RefundedPaymentOut,
    "product": ProductOut,
    "stock": ProductOut,
    "user": UserOut,
    "webhook": WebhookOut,
}


@cache
def event_body(event_type: str) -> type[BaseModel]:
    """The body a webhook of ``event_type`` delivers (and the broker publishes): one
    model per type, however many apps are built."""
    data = EVENT_DATA[event_type.split(".")[0]]
    name = "".join(part.title() for part in event_type.replace("_", ".").split(".")) + "Event"
    return create_model(
        name,
        type=(Literal[event_type], ...),  # type: ignore[arg-type]
        timestamp=(datetime, Field(description="when it happened")),
        data=(data, ...),
    )


class DeliveryListIn(PageIn):
    status: DeliveryStatus | None = None
