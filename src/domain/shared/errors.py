"""The errors the domain and the use cases raise, in a few families.

Each error has a stable snake_case ``code`` and belongs to one family (not found,
conflict, invalid input, ...). The API and the CLI each map the *families* to their
own answer (an HTTP status, an exit code) once, so a new error only picks its family
and its code.
"""

from typing import ClassVar


class DomainError(Exception):
    code: ClassVar[str] = "domain_error"
    title: ClassVar[str] = "Domain error"

    def __init__(self, detail: str | None = None) -> None:
        self.detail = detail or self.title
        super().__init__(self.detail)


class InvalidInput(DomainError):
    """The request breaks a rule about its own content."""

    code = "validation_error"
    title = "Invalid value"


class BadRequest(DomainError):
    """The request cannot even be read (a cursor this API never gave out)."""

    code = "bad_request"
    title = "Bad request"


class Unauthenticated(DomainError):
    code = "not_authenticated"
    title = "Not authenticated"


class Forbidden(DomainError):
    code = "forbidden"
    title = "Forbidden"


class NotFound(DomainError):
    code = "not_found"
    title = "Not found"


class Conflict(DomainError):
    """The request is sound but the state of things refuses it."""

    code = "conflict"
    title = "Conflict"


class PaymentFailed(DomainError):
    """The payment was refused by whoever holds the money."""

    code = "payment_failed"
    title = "Payment failed"


class PreconditionFailed(DomainError):
    """The client's copy is stale."""

    code = "version_mismatch"
    title = "Version mismatch"


class TryLater(DomainError):
    """Not now; ``retry_after`` seconds from now it may work."""

    code = "try_later"
    title = "Try later"

    def __init__(self, detail: str | None = None, *, retry_after: int = 1) -> None:
        self.retry_after = retry_after
        super().__init__(detail)


class RateLimited(TryLater):
    code = "rate_limited"
    title = "Too many attempts"

    def __init__(
        self,
        retry_after: int,
        detail: str | None = None,
        *,
        policy: tuple[str, int, int] | None = None,
    ) -> None:
        """``policy``: the quota's name, limit and window (seconds), when one was hit."""
        self.policy = policy
        super().__init__(
            detail or f"Too many failed attempts; retry in {retry_after} seconds",
            retry_after=retry_after,
        )


class ServiceUnavailable(TryLater):
    """Something the answer depends on (the database, Redis) does not answer."""

    code = "service_unavailable"
    title = "Service unavailable"

    def __init__(self, detail: str | None = None, *, retry_after: int = 5) -> None:
        super().__init__(detail, retry_after=retry_after)


class InvalidValue(InvalidInput):
    """A value breaks a domain rule (a malformed email, a too-short password)."""

    def __init__(self, field: str, detail: str) -> None:
        self.field = field
        super().__init__(detail)


class ConcurrentUpdate(Conflict):
    """The aggregate changed since it was read; the update was not applied."""

    code = "concurrent_update"
    title = "Concurrent update"
