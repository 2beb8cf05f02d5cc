"""RFC 9457 problem details: every error the API answers goes through here."""

import logging
from collections.abc import Iterator
from http import HTTPStatus
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from starlette.exceptions import HTTPException
from starlette.types import Scope

from adapters.audit import log_security
from domain.shared.errors import (
    BadRequest,
    Conflict,
    DomainError,
    Forbidden,
    InvalidInput,
    InvalidValue,
    NotFound,
    PaymentFailed,
    PreconditionFailed,
    RateLimited,
    ServiceUnavailable,
    TryLater,
    Unauthenticated,
)
from entrypoints.api.openapi import allowed_methods
from entrypoints.api.security import client_address

logger = logging.getLogger("emporium.api")

PROBLEM_TYPE_BASE = "https://emporium.dev/problems/"

# Each family of errors has one HTTP status; an error takes its family's.
STATUS_BY_FAMILY: dict[type[DomainError], int] = {
    BadRequest: 400,
    Unauthenticated: 401,
    Forbidden: 403,
    NotFound: 404,
    Conflict: 409,
    PaymentFailed: 402,
    PreconditionFailed: 412,
    InvalidInput: 422,
    RateLimited: 429,
    TryLater: 503,
}
# The codes of the answers the framework gives on its own (no route, no such method...).
_FRAMEWORK_CODES = {
    400: "bad_request",  # a body the parser refuses: invalid UTF-8, too deep, too long a number
    404: "not_found",
    405: "method_not_allowed",
    413: "payload_too_large",
}
# The 401 codes that say the token itself is bad, as RFC 6750 spells it.
_BEARER_CHALLENGE = {"invalid_token": 'Bearer error="invalid_token"'}


# The codes answered by the edge and the framework's handlers, beside the domain's.
_EDGE_CODES = ("validation_error", "internal_error", "service_unavailable", "http_error")


def problem_codes() -> list[str]:
    """Every ``code`` a problem answer can have: the domain's errors' (those of every
    module imported, which the API's routers are) and the framework's."""

    def subclasses(cls: type[DomainError]) -> Iterator[type[DomainError]]:
        for sub in cls.__subclasses__():
            yield sub
            yield from subclasses(sub)

    codes = {error.code for error in subclasses(DomainError)}
    return sorted(codes | set(_FRAMEWORK_CODES.values()) | set(_EDGE_CODES))


def status_of(error: type[DomainError]) -> int:
    for family in error.__mro__:
        if family in STATUS_BY_FAMILY:
            return STATUS_BY_FAMILY[family]
    raise LookupError(f"{error.__name__} belongs to no error family")


class ProblemResponse(JSONResponse):
    media_type = "application/problem+json"


def problem_body(
    *, status: int, code: str, title: str, detail: str, instance: str, request_id: str
) -> dict[str, Any]:
    return {
        "type": PROBLEM_TYPE_BASE + code.replace("_", "-"),
        "title": title,
        "status": status,
        "detail": detail,
        "code": code,
        "instance": instance,
        "request_id": request_id,
    }


def problem(
    request: Request,
    *,
    code: str,
    title: str,
    detail: str,
    status: int,
    headers: dict[str, str] | None = None,
    **extra: Any,
) -> ProblemResponse:
    body = problem_body(
        status=status,
        code=code,
        title=title,
        detail=detail,
        instance=request.url.path,
        request_id=getattr(request.state, "request_id", ""),
    )
    headers = dict(headers or {})
    if status == 401:
        headers["WWW-Authenticate"] = _BEARER_CHALLENGE.get(code, "Bearer")
    return ProblemResponse(body | extra, status_code=status, headers=headers)


def raises(*errors: type[DomainError]) -> dict[int | str, dict[str, Any]]:
    """The ``responses=`` entry of a route: the domain errors it raises, by status, with
    their codes. (The answers that follow from the route's shape are added on their own:
    see openapi.py.)"""
    codes: dict[int, list[str]] = {}
    for error in errors:
        codes.setdefault(status_of(error), []).append(error.code)
    return {
        status: {"description": f"{HTTPStatus(status).phrase}: {', '.join(sorted(found))}"}
        for status, found in codes.items()
    }


async def _domain_error(request: Request, error: Exception) -> ProblemResponse:
    assert isinstance(error, DomainError)
    headers = {}
    if (retry_after := getattr(error, "retry_after", None)) is not None:
        headers["Retry-After"] = str(retry_after)
    if isinstance(error, RateLimited):
        request_id, path = getattr(request.state, "request_id", ""), request.url.path
        policy = error.policy[0] if error.policy is not None else "login"
        log_security("rate_limited", request_id, client_address(request), policy=policy, path=path)
    if isinstance(error, RateLimited) and error.policy is not None:
        # draft-ietf-httpapi-ratelimit-headers: the quota that was hit, and none left of it.
        name, limit, window = error.policy
        headers["RateLimit-Policy"] = f'"{name}";q={limit};w={window}'
        headers["RateLimit"] = f'"{name}";r=0;t={error.retry_after}'
    if isinstance(error, ServiceUnavailable):
        request_id = getattr(request.state, "request_id", "")
        cause = error.__cause__
        logger.warning(
            "%s (request_id=%s): %s", error.detail, request_id, cause and repr(cause)[:300]
        )
    extra: dict[str, Any] = {}
    if isinstance(error, InvalidValue):
        extra["errors"] = [
            {"loc": ["body", error.field], "msg": error.detail, "type": "value_error"}
        ]
    return problem(
        request,
        code=error.code,
        title=error.title,
        detail=error.detail,
        status=status_of(type(error)),
        headers=headers or None,
        **extra,
    )


async def _validation_error(request: Request, error: Exception) -> ProblemResponse:
    assert isinstance(error, RequestValidationError)
    errors = [{"loc": list(e["loc"]), "msg": e["msg"], "type": e["type"]} for e in error.errors()]
    if any(e["type"] == "json_invalid" for e in errors):
        return problem(
            request,
            code="bad_request",
            title="Malformed JSON",
            detail="The request body is not valid JSON",
            status=400,
            errors=errors,
        )
    return problem(
        request,
        code="validation_error",
        title="Validation failed",
        detail="The request has invalid or missing fields",
        status=422,
        errors=errors,
    )


async def _http_error(request: Request, error: Exception) -> ProblemResponse:
    assert isinstance(error, HTTPException)
    code = _FRAMEWORK_CODES.get(error.status_code, "http_error")
    headers = dict(error.headers or {})
    if error.status_code == 405:
        headers["Allow"] = ", ".join(allowed_methods(request.app, request.url.path))
    return problem(
        request,
        code=code,
        title=HTTPStatus(error.status_code).phrase,
        detail=str(error.detail),
        status=error.status_code,
        headers=headers,
    )


def problem_response(
    scope: Scope, *, status: int, code: str, title: str, detail: str
) -> ProblemResponse:
    """A problem answer for middleware, which has no ``Request``: the same shape and
    serialisation as every other."""
    body = problem_body(
        status=status,
        code=code,
        title=title,
        detail=detail,
        instance=scope["path"],
        request_id=scope.get("state", {}).get("request_id", ""),
    )
    return ProblemResponse(body, status_code=status)


def install_problem_handlers(app: FastAPI) -> None:
    app.add_exception_handler(DomainError, _domain_error)
    app.add_exception_handler(RequestValidationError, _validation_error)
    app.add_exception_handler(HTTPException, _http_error)
