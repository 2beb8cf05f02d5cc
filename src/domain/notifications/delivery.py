"""A delivery: one event on its way to one place (the broker, a customer's inbox, a
webhook endpoint), tried until it arrives or its retry schedule runs out."""

from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum
from uuid import UUID

ERROR_MAX_LENGTH = 500


class Channel(StrEnum):
    BROKER = "broker"
    EMAIL = "email"
    WEBHOOK = "webhook"


class DeliveryStatus(StrEnum):
    PENDING = "pending"
    SUCCEEDED = "succeeded"
    FAILED = "failed"  # the schedule ran out: only an operator's redelivery tries again


@dataclass(frozen=True, slots=True)
class RetrySchedule:
    """The waits after each failed attempt: the first failure waits ``delays[0]``, and so
    on. Past the last one a delivery fails for good, unless ``endless``: then it keeps
    trying at the last wait (the broker: an outage delays events, never loses them)."""

    delays: tuple[timedelta, ...]
    endless: bool = False

    def wait_after(self, failures: int) -> timedelta | None:
        if failures <= len(self.delays):
            return self.delays[failures - 1]
        return self.delays[-1] if self.endless else None

    def scaled(self, factor: float) -> "RetrySchedule":
        return RetrySchedule(tuple(d * factor for d in self.delays), self.endless)


@dataclass(eq=False, slots=True, kw_only=True)
class Delivery:
    """``dedupe_key`` is unique: an event fans out to a place once, and an email of a
    kind goes once per order or user, however often it is asked for. Deliveries of one
    ``subject_id`` to one place go in the order of their events."""

    id: UUID
    event_id: UUID
    event_type: str
    channel: Channel
    target: str
    dedupe_key: str
    subject_id: UUID
    created_at: datetime
    next_attempt_at: datetime
    status: DeliveryStatus = DeliveryStatus.PENDING
    attempts: int = 0
    last_error: str | None = None
    last_status: int | None = None
    delivered_at: datetime | None = None

    def succeeded(self, now: datetime, status: int | None = None) -> None:
        self.attempts += 1
        self.status, self.delivered_at, self.last_status = DeliveryStatus.SUCCEEDED, now, status
        self.last_error = None

    def failed(
        self,
        now: datetime,
        error: str,
        schedule: RetrySchedule,
        *,
        status: int | None = None,
        retry_after: timedelta | None = None,
        jitter: float = 0.0,
    ) -> None:
        """An attempt failed: tried again after the schedule's wait, stretched by
        ``jitter`` (a fraction, so that retries of many deliveries spread out) and never
        sooner than the receiver's ``retry_after``; or failed for good."""
        self.attempts += 1
        self.last_error, self.last_status = error[:ERROR_MAX_LENGTH], status
        wait = schedule.wait_after(self.attempts)
        if wait is None:
            self.status = DeliveryStatus.FAILED
            return
        self.next_attempt_at = now + max(wait * (1 + jitter), retry_after or timedelta())

    def abandon(self, now: datetime, reason: str) -> None:
        """Nothing to send it to any more (an account closed meanwhile): failed, untried."""
        self.status, self.last_error, self.next_attempt_at = DeliveryStatus.FAILED, reason, now

    def redeliver(self, now: datetime) -> None:
        """An operator's retry, whatever happened before: a fresh schedule from now."""
        self.status, self.attempts, self.next_attempt_at = DeliveryStatus.PENDING, 0, now
        self.delivered_at = None
