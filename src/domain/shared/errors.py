"""The base of every error the domain and the use cases raise.

Each error has a stable snake_case ``code``; the API and the CLI each map codes to
their own answer (an HTTP status, an exit code) in one place.
"""

from typing import ClassVar


class DomainError(Exception):
    code: ClassVar[str] = "domain_error"
    title: ClassVar[str] = "Domain error"

    def __init__(self, detail: str | None = None) -> None:
        self.detail = detail or self.title
        super().__init__(self.detail)


class InvalidValue(DomainError):
    """A value breaks a domain rule (a malformed email, a too-short password)."""

    code = "validation_error"
    title = "Invalid value"

    def __init__(self, field: str, detail: str) -> None:
        self.field = field
        super().__init__(detail)


class NotFound(DomainError):
    code = "not_found"
    title = "Not found"


class ConcurrentUpdate(DomainError):
    """The aggregate changed since it was read; the update was not applied."""

    code = "concurrent_update"
    title = "Concurrent update"
