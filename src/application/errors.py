"""Errors of the use cases that are not rules of one aggregate."""

from domain.shared.errors import DomainError


class NotAuthenticated(DomainError):
    code = "not_authenticated"
    title = "Not authenticated"


class InvalidToken(DomainError):
    code = "invalid_token"
    title = "Invalid token"


class InvalidCredentials(DomainError):
    code = "invalid_credentials"
    title = "Invalid credentials"


class Forbidden(DomainError):
    code = "forbidden"
    title = "Forbidden"


class RateLimited(DomainError):
    code = "rate_limited"
    title = "Too many attempts"

    def __init__(self, retry_after: int) -> None:
        self.retry_after = retry_after
        super().__init__(f"Too many failed attempts; retry in {retry_after} seconds")
