"""The OpenAPI document, made to tell the truth about errors.

Each operation lists the problem answers it can really give, and only those: the ones
its route declares (the domain errors it raises, 403 for the admin routers), and the
ones that follow from its shape (a body can be malformed, too large or invalid;
parameters can be invalid; a signed-in operation can refuse a token; a cursor can be
forged; the database can be down). All are ``application/problem+json`` with the
Problem schema.
"""

import re
from http import HTTPStatus
from typing import Any

from fastapi import FastAPI
from fastapi.openapi.utils import get_openapi
from starlette.routing import compile_path

from domain.shared.money import Currency
from entrypoints.api.schemas.catalog import ANY_AMOUNT_PATTERN, amount_pattern
from entrypoints.api.schemas.common import Problem

_PROBLEM = {"application/problem+json": {"schema": {"$ref": "#/components/schemas/Problem"}}}
# What a receiver answers a delivery (the document's ``webhooks``).
_WEBHOOK_ANSWERS = {"2XX": {"description": "Delivered. Anything else is tried again later."}}
_METHODS = ("get", "put", "post", "delete", "options", "head", "patch", "trace")


def _statuses_of_its_shape(path: str, operation: dict[str, Any]) -> set[int]:
    parameters = operation.get("parameters", [])
    statuses = set()
    if "requestBody" in operation:
        statuses |= {400, 413, 422}
    if parameters:
        statuses.add(422)
    if operation.get("security"):
        statuses.add(401)
    if any(p["name"] == "cursor" and p["in"] == "query" for p in parameters):
        statuses.add(400)
    if path.startswith("/api/"):
        statuses.add(503)  # every API operation needs the database
    return statuses


def _problem_responses(path: str, operation: dict[str, Any]) -> dict[str, Any]:
    declared: dict[str, Any] = operation["responses"]
    statuses = _statuses_of_its_shape(path, operation)
    statuses |= {int(s) for s in declared if s[0] in "45"}
    answers = {status: body for status, body in declared.items() if status[0] not in "45"}
    for status in sorted(statuses):
        description = declared.get(str(status), {}).get("description")
        answers[str(status)] = {
            "description": description or HTTPStatus(status).phrase,
            "content": _PROBLEM,
        }
    return answers


def _pin_money(node: Any, currency: Currency) -> None:
    """Amounts and currencies say what this store takes: its currency, with exactly its
    minor digits (the models, written for any store, say less)."""
    if isinstance(node, dict):
        if node.get("pattern") == ANY_AMOUNT_PATTERN:
            node["pattern"] = amount_pattern(currency)
        if node.get("title") == "Money" and "currency" in node.get("properties", {}):
            node["properties"]["currency"] = {"type": "string", "enum": [currency.code]}
        for value in node.values():
            _pin_money(value, currency)
    elif isinstance(node, list):
        for value in node:
            _pin_money(value, currency)


def install_openapi(app: FastAPI, extra_paths: dict[str, Any], store_currency: Currency) -> None:
    """``extra_paths``: the operations of plain Starlette routes, which FastAPI does not
    document."""

    def openapi() -> dict[str, Any]:
        if app.openapi_schema is None:
            schema = get_openapi(
                title=app.title,
                version=app.version,
                description=app.description,
                routes=app.routes,
                webhooks=app.webhooks.routes,
            )
            schema["paths"] = extra_paths | schema["paths"]
            schemas = schema.setdefault("components", {}).setdefault("schemas", {})
            schemas["Problem"] = Problem.model_json_schema()
            for name in ("HTTPValidationError", "ValidationError"):
                schemas.pop(name, None)
            for path, operations in schema["paths"].items():
                for method, operation in operations.items():
                    if method in _METHODS:
                        operation["responses"] = _problem_responses(path, operation)
            for operations in schema.get("webhooks", {}).values():
                for operation in operations.values():
                    operation["responses"] = _WEBHOOK_ANSWERS
            _pin_money(schema, store_currency)
            app.openapi_schema = schema
        return app.openapi_schema

    app.openapi = openapi  # type: ignore[method-assign]


def allowed_methods(app: FastAPI, path: str) -> list[str]:
    """Every method the API serves at ``path``, for a 405's ``Allow`` header."""
    if getattr(app.state, "method_table", None) is None:  # built once, on the first 405
        app.state.method_table = _method_table(app)
    for pattern, methods in app.state.method_table:
        if pattern.match(path):
            return list(methods)
    return []


def _method_table(app: FastAPI) -> list[tuple[re.Pattern[str], list[str]]]:
    table = []
    for path, operations in app.openapi()["paths"].items():
        methods = {m.upper() for m in operations if m in _METHODS}
        if "GET" in methods:
            methods.add("HEAD")
        table.append((compile_path(path)[0], sorted(methods)))
    return table
