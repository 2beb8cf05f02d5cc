"""What the notifications use cases take and give: frozen dataclasses."""

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from uuid import UUID

from application.shared.actor import Actor
from domain.notifications import Channel, DeliveryStatus, WebhookEndpoint


@dataclass(frozen=True, slots=True)
class ListEvents:
    actor: Actor
    type: str | None = None
    since: datetime | None = None
    limit: int = 50


@dataclass(frozen=True, slots=True)
class ListDeliveries:
    actor: Actor
    channel: Channel | None = None
    target: str | None = None
    status: DeliveryStatus | None = None
    limit: int = 50


@dataclass(frozen=True, slots=True)
class Redeliver:
    """Of any delivery, or only of one to the webhook ``endpoint_id``."""

    actor: Actor
    delivery_id: UUID
    endpoint_id: UUID | None = None


@dataclass(frozen=True, slots=True)
class GetBacklog:
    actor: Actor


@dataclass(frozen=True, slots=True)
class Backlog:
    """What is still on its way: events the relay has not fanned out yet (and when the
    oldest happened), deliveries pending or failed for good, per channel, and the webhook
    endpoints whose last deliveries failed for good (or that were disabled)."""

    undispatched: int
    oldest_undispatched: datetime | None
    unfinished: Mapping[tuple[Channel, DeliveryStatus], int]
    failing_endpoints: list[WebhookEndpoint]


@dataclass(frozen=True, slots=True)
class CreateWebhook:
    actor: Actor
    url: str
    event_types: frozenset[str]
    description: str = ""
    enabled: bool = True


@dataclass(frozen=True, slots=True)
class UpdateWebhook:
    """Only what is not None changes."""

    actor: Actor
    endpoint_id: UUID
    url: str | None = None
    event_types: frozenset[str] | None = None
    description: str | None = None
    enabled: bool | None = None


@dataclass(frozen=True, slots=True)
class WebhookCommand:
    """Get, delete, rotate the secret of, or ping one endpoint."""

    actor: Actor
    endpoint_id: UUID


@dataclass(frozen=True, slots=True)
class ListWebhooks:
    actor: Actor


@dataclass(frozen=True, slots=True)
class ListWebhookDeliveries:
    actor: Actor
    endpoint_id: UUID
    status: DeliveryStatus | None = None
    limit: int = 50
    after: tuple[datetime, UUID] | None = None
