"""A webhook endpoint: where an outside system wants the shop's events, signed with a
secret of its own (a rotated one stays valid a while, so that receivers can switch)."""

from dataclasses import dataclass
from datetime import datetime, timedelta
from urllib.parse import urlsplit
from uuid import UUID

from domain.notifications.events import WebhookDisabled, WebhookPinged
from domain.shared.aggregate import Aggregate
from domain.shared.errors import InvalidValue

ALL_EVENTS = "*"
URL_MAX_LENGTH = 2000
DESCRIPTION_MAX_LENGTH = 500
# A rotated secret still signs deliveries this long, next to the new one.
ROTATION_GRACE = timedelta(hours=24)
# Deliveries that failed for good in a row before the endpoint is disabled.
FAILURES_TO_DISABLE = 5


def check_url(url: str, *, https_only: bool) -> str:
    """An absolute http(s) URL with a host, no credentials; https only when asked."""
    if len(url) > URL_MAX_LENGTH:
        raise InvalidValue("url", f"A URL is at most {URL_MAX_LENGTH} characters")
    try:
        parts = urlsplit(url)
        parts.port  # noqa: B018 - raises on a malformed port
    except ValueError:
        raise InvalidValue("url", "Not a URL") from None
    allowed = ("https",) if https_only else ("https", "http")
    if parts.scheme not in allowed or not parts.hostname:
        raise InvalidValue("url", f"The URL must be {' or '.join(allowed)}, with a host")
    if parts.username or parts.password:
        raise InvalidValue("url", "The URL must not carry credentials")
    return url


def check_event_types(event_types: frozenset[str], known: frozenset[str]) -> frozenset[str]:
    if not event_types:
        raise InvalidValue("event_types", "Name at least one event type, or '*' for all")
    unknown = event_types - known - {ALL_EVENTS}
    if unknown:
        raise InvalidValue("event_types", f"Unknown event types: {', '.join(sorted(unknown))}")
    return frozenset({ALL_EVENTS}) if ALL_EVENTS in event_types else event_types


def check_description(description: str) -> str:
    if len(description) > DESCRIPTION_MAX_LENGTH:
        raise InvalidValue(
            "description", f"A description is at most {DESCRIPTION_MAX_LENGTH} characters"
        )
    return description


@dataclass(eq=False, slots=True, kw_only=True)
class WebhookEndpoint(Aggregate):
    id: UUID
    url: str
    event_types: frozenset[str]
    description: str
    secret: str
    created_at: datetime
    updated_at: datetime
    enabled: bool = True
    previous_secret: str | None = None
    previous_secret_until: datetime | None = None
    failures_in_a_row: int = 0
    version: int = 1

    def wants(self, event_type: str) -> bool:
        return self.enabled and (ALL_EVENTS in self.event_types or event_type in self.event_types)

    def secrets(self, now: datetime) -> list[str]:
        """The secrets a delivery is signed with now: the current one, and the one it
        replaced while that is still in its grace period."""
        until = self.previous_secret_until
        if self.previous_secret is not None and until is not None and now < until:
            return [self.secret, self.previous_secret]
        return [self.secret]

    def rotate_secret(self, secret: str, now: datetime) -> None:
        self.previous_secret, self.previous_secret_until = self.secret, now + ROTATION_GRACE
        self.secret, self.updated_at = secret, now

    def enable(self, now: datetime) -> None:
        if not self.enabled:
            self.enabled, self.failures_in_a_row, self.updated_at = True, 0, now

    def disable(self, now: datetime) -> None:
        self.enabled, self.updated_at = False, now

    def ping(self) -> None:
        self.record(WebhookPinged(self.id))

    def delivered(self) -> None:
        self.failures_in_a_row = 0

    def delivery_failed_for_good(self, now: datetime) -> None:
        """One more delivery that ran out of retries; after a run of them, the endpoint
        is disabled (and the admins are told, through the event)."""
        self.failures_in_a_row += 1
        if self.enabled and self.failures_in_a_row >= FAILURES_TO_DISABLE:
            self.disable(now)
            self.record(WebhookDisabled(self.id, self.url, self.failures_in_a_row))
