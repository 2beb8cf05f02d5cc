"""RFC 9457 problem details: every error the API answers goes through here."""

import logging
from http import HTTPStatus
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from pydantic import BaseModel
from starlette.exceptions import HTTPException

from application.errors import RateLimited
from domain.shared.errors import DomainError, InvalidValue

logger = logging.getLogger("emporium.api")

PROBLEM_TYPE_BASE = "https://emporium.dev/problems/"

# The one mapping from error codes to HTTP statuses.
STATUS_BY_CODE = {
    "bad_request": 400,
    "invalid_cursor": 400,
    "not_authenticated": 401,
    "invalid_token": 401,
    "invalid_credentials": 401,
    "forbidden": 403,
    "not_found": 404,
    "method_not_allowed": 405,
    "email_taken": 409,
    "last_admin": 409,
    "concurrent_update": 409,
    "payload_too_large": 413,
    "validation_error": 422,
    "rate_limited": 429,
}
CODE_BY_STATUS = {status: code for code, status in reversed(STATUS_BY_CODE.items())}
# The 401 codes that say the token itself is bad, as RFC 6750 spells it.
_BEARER_CHALLENGE = {"invalid_token": 'Bearer error="invalid_token"'}


class Problem(BaseModel):
    """The body of every error answer (``application/problem+json``)."""

    type: str
    title: str
    status: int
    detail: str
    code: str
    instance: str
    request_id: str
    errors: list[dict[str, Any]] | None = None


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
    status: int | None = None,
    headers: dict[str, str] | None = None,
    **extra: Any,
) -> ProblemResponse:
    status = status or STATUS_BY_CODE[code]
    request_id = getattr(request.state, "request_id", "")
    body = problem_body(
        status=status,
        code=code,
        title=title,
        detail=detail,
        instance=request.url.path,
        request_id=request_id,
    )
    headers = dict(headers or {})
    if status == 401:
        headers["WWW-Authenticate"] = _BEARER_CHALLENGE.get(code, "Bearer")
    return ProblemResponse(body | extra, status_code=status, headers=headers)


def problem_responses(*statuses: int) -> dict[int | str, dict[str, Any]]:
    """The ``responses=`` entry documenting problem answers in the OpenAPI schema."""
    return {
        status: {
            "model": Problem,
            "content": {"application/problem+json": {}},
            "description": HTTPStatus(status).phrase,
        }
        for status in statuses
    }


async def _domain_error(request: Request, error: Exception) -> ProblemResponse:
    assert isinstance(error, DomainError)
    headers = {"Retry-After": str(error.retry_after)} if isinstance(error, RateLimited) else None
    extra: dict[str, Any] = {}
    if isinstance(error, InvalidValue):
        extra["errors"] = [
            {"loc": ["body", error.field], "msg": error.detail, "type": "value_error"}
        ]
    return problem(
        request, code=error.code, title=error.title, detail=error.detail, headers=headers, **extra
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
            errors=errors,
        )
    return problem(
        request,
        code="validation_error",
        title="Validation failed",
        detail="The request has invalid or missing fields",
        errors=errors,
    )


async def _http_error(request: Request, error: Exception) -> ProblemResponse:
    assert isinstance(error, HTTPException)
    code = CODE_BY_STATUS.get(error.status_code, "http_error")
    return problem(
        request,
        code=code,
        title=code.replace("_", " ").capitalize(),
        detail=str(error.detail),
        status=error.status_code,
        headers=dict(error.headers or {}),
    )


async def _unexpected_error(request: Request, error: Exception) -> ProblemResponse:
    # Starlette answers this one outside the middleware stack, so the request id header
    # is set here. The trace goes to the log, never to the client.
    request_id = getattr(request.state, "request_id", "")
    logger.exception("unhandled error (request_id=%s)", request_id)
    return problem(
        request,
        code="internal_error",
        title="Internal server error",
        detail=f"Something went wrong on our side; quote request id {request_id}",
        status=500,
        headers={"X-Request-ID": request_id},
    )


def install_problem_handlers(app: FastAPI) -> None:
    app.add_exception_handler(DomainError, _domain_error)
    app.add_exception_handler(RequestValidationError, _validation_error)
    app.add_exception_handler(HTTPException, _http_error)
    app.add_exception_handler(Exception, _unexpected_error)
