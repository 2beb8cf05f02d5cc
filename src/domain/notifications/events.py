from dataclasses import dataclass
from uuid import UUID

from domain.shared.events import DomainEvent


@dataclass(frozen=True, slots=True)
class WebhookPinged(DomainEvent):
    """An admin's test delivery, to this endpoint alone."""

    endpoint_id: UUID


@dataclass(frozen=True, slots=True)
class WebhookDisabled(DomainEvent):
    endpoint_id: UUID
    url: str
    failures_in_a_row: int
