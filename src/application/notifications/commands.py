"""What the notifications use cases take and give: frozen dataclasses."""

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from uuid import UUID

from application.shared.actor import Actor
from domain.notifications import Channel, DeliveryStatus


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
    actor: Actor
    delivery_id: UUID


@dataclass(frozen=True, slots=True)
class GetBacklog:
    actor: Actor


@dataclass(frozen=True, slots=True)
class Backlog:
    """What is still on its way: events the relay has not fanned out yet (and when the
    oldest happened), and deliveries pending or failed for good, per channel."""

    undispatched: int
    oldest_undispatched: datetime | None
    unfinished: Mapping[tuple[Channel, DeliveryStatus], int]
