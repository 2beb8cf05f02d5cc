"""What the notifications use cases need: the outbox, the deliveries it fans out to, who
an email goes to, and the places events are sent (the broker, mail, webhooks)."""

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any, Protocol
from uuid import UUID

from application.shared.outbox import OutboxEvent
from application.shared.ports import ReadOnlyUnitOfWork, UnitOfWork
from domain.notifications import Channel, Delivery, DeliveryStatus, WebhookEndpoint


@dataclass(frozen=True, slots=True)
class EventQuery:
    """Newest first."""

    type: str | None = None
    since: datetime | None = None
    limit: int = 50


class OutboxRepository(Protocol):
    async def claim(self, limit: int) -> Sequence[OutboxEvent]:
        """Events not yet dispatched, oldest first, locked until the transaction ends;
        those another relay holds are skipped."""

    async def mark_dispatched(self, event_ids: Sequence[UUID], now: datetime) -> None: ...

    async def get_many(self, event_ids: Sequence[UUID]) -> Sequence[OutboxEvent]: ...

    async def list(self, query: EventQuery) -> Sequence[OutboxEvent]: ...

    async def undispatched(self) -> tuple[int, datetime | None]:
        """How many events wait for the relay, and when the oldest of them happened."""


@dataclass(frozen=True, slots=True)
class DeliveryQuery:
    """Newest first."""

    channel: Channel | None = None
    target: str | None = None
    status: DeliveryStatus | None = None
    limit: int = 50
    after: tuple[datetime, UUID] | None = None


class DeliveryRepository(Protocol):
    async def add_many(self, deliveries: Sequence[Delivery]) -> None:
        """Adds them, but for those whose ``dedupe_key`` is taken: those are dropped."""

    async def claim_due(
        self, now: datetime, lease: UUID, leased_until: datetime, limit: int
    ) -> Sequence[Delivery]:
        """Pending deliveries due by ``now`` whose lease (if any) ran out, and that wait
        for no earlier pending delivery of the same subject to the same place, oldest
        event first; leased to ``lease`` until ``leased_until``. Rows another worker is
        claiming are skipped: two workers never take the same delivery at once."""

    async def get(self, delivery_id: UUID) -> Delivery | None: ...

    async def save(self, delivery: Delivery, lease: UUID | None) -> bool:
        """Writes the delivery and ends its lease, if ``lease`` still holds it (False if
        it ran out and another worker took the delivery over). ``None``: an operator's
        change, whatever the lease."""

    async def list(self, query: DeliveryQuery) -> Sequence[Delivery]: ...

    async def unfinished(self) -> Mapping[tuple[Channel, DeliveryStatus], int]:
        """How many deliveries are pending, and how many failed for good, per channel."""


@dataclass(frozen=True, slots=True)
class Recipient:
    email: str
    name: str


class RecipientRepository(Protocol):
    async def get_many(self, user_ids: Sequence[UUID]) -> Mapping[UUID, Recipient]:
        """The active accounts' addresses, by id (unknown and deactivated ones left
        out)."""

    async def admins(self) -> Sequence[UUID]:
        """The active admins' ids."""


class WebhookRepository(Protocol):
    async def add(self, endpoint: WebhookEndpoint) -> None: ...

    async def get(
        self, endpoint_id: UUID, *, for_update: bool = False
    ) -> WebhookEndpoint | None: ...

    async def list(self) -> Sequence[WebhookEndpoint]:
        """Every endpoint, oldest first."""

    async def enabled(self) -> Sequence[WebhookEndpoint]: ...

    async def save(self, endpoint: WebhookEndpoint) -> None:
        """Writes an endpoint read ``for_update`` and advances its ``version``."""

    async def delete(self, endpoint_id: UUID) -> bool: ...


class NotificationsReader(ReadOnlyUnitOfWork, Protocol):
    outbox: OutboxRepository
    deliveries: DeliveryRepository
    recipients: RecipientRepository
    webhooks: WebhookRepository


class NotificationsUnitOfWork(NotificationsReader, UnitOfWork, Protocol):
    pass


class SendFailed(Exception):
    """An attempt that did not arrive: the receiver answered ``status`` (None when it
    could not be reached), maybe asking to wait ``retry_after``."""

    def __init__(
        self, error: str, *, status: int | None = None, retry_after: timedelta | None = None
    ) -> None:
        super().__init__(error)
        self.error, self.status, self.retry_after = error, status, retry_after


class Broker(Protocol):
    """The shop's event stream for other systems."""

    async def publish(self, event: OutboxEvent) -> None:
        """Returns once the broker has confirmed it holds the event; SendFailed if not."""

    async def ping(self) -> None:
        """Raises if the broker does not answer."""

    async def close(self) -> None: ...


@dataclass(frozen=True, slots=True)
class Email:
    """A message from one of the templates, for one recipient. ``message_id`` is the
    same for every attempt, so a mail server or client that sees it twice keeps one."""

    template: str
    to: Recipient
    data: Mapping[str, Any]
    message_id: str
    context: Mapping[str, Any] = field(default_factory=dict)


class Mailer(Protocol):
    async def send(self, email: Email) -> None:
        """SendFailed if the mail server did not take it."""


class WebhookClient(Protocol):
    async def refusal(self, url: str) -> str | None:
        """Why nothing may be posted to ``url`` as things stand (it resolves to an
        address that is not public, say), or None. A host that does not resolve yet is
        no refusal: every delivery checks again."""

    async def post(self, url: str, headers: Mapping[str, str], body: str) -> int:
        """The receiver's 2xx status; SendFailed for any other answer, a redirect, a
        timeout, an address it may not reach (private, loopback, link-local), or none."""
