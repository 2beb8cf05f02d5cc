"""Errors of the accounts use cases that are not rules of one aggregate."""

from domain.shared.errors import Unauthenticated


class NotAuthenticated(Unauthenticated):
    code = "not_authenticated"
    title = "Not authenticated"


class InvalidToken(Unauthenticated):
    code = "invalid_token"
    title = "Invalid token"


class InvalidCredentials(Unauthenticated):
    code = "invalid_credentials"
    title = "Invalid credentials"
