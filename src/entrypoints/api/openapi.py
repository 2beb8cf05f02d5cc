"""The OpenAPI document, made to tell the truth about errors.

Each operation lists the problem answers it can really give, and only those: the ones
its route declares (the domain errors it raises, 403 for the admin routers), and the
ones that follow from its shape (a body can be malformed, too large or invalid;
parameters can be invalid; a signed-in operation can refuse a token; a cursor can be
forged; the database can be down). All are ``application/problem+json`` with the
Problem schema, whose ``code`` lists every code, and declare the headers they carry.

Made for the clients generated from it too: an operation's id is its function's name
(``place_order``), string enums name their members (``-price`` is ``PRICE_DESC``), and
the operations anyone may call say so (``security: []``, or a token made optional).
"""

import re
from http import HTTPStatus
from typing import Any

from fastapi import FastAPI
from fastapi.openapi.utils import get_openapi
from fastapi.routing import APIRoute
from starlette.routing import BaseRoute, compile_path

from domain.shared.money import Currency
from entrypoints.api import query
from entrypoints.api.schemas.catalog import ANY_AMOUNT_PATTERN, amount_pattern
from entrypoints.api.schemas.common import Problem
from entrypoints.api.security import SIGN_IN_OPTIONAL

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


def _header(description: str, kind: str = "string") -> dict[str, Any]:
    return {"description": description, "schema": {"type": kind}}


_RETRY_AFTER = _header("Seconds to wait before trying again", "integer")
# The headers problem answers carry, by status.
_PROBLEM_HEADERS: dict[int, dict[str, Any]] = {
    401: {"WWW-Authenticate": _header('`Bearer`, or `Bearer error="invalid_token"`')},
    405: {"Allow": _header("The methods the path answers")},
    409: {
        "Retry-After": _header(
            "When the conflict passes by itself (`payment_in_progress`)", "integer"
        )
    },
    429: {
        "Retry-After": _RETRY_AFTER,
        "RateLimit-Policy": _header('The quota passed, e.g. `"orders";q=30;w=60`'),
        "RateLimit": _header('What is left of it, e.g. `"orders";r=0;t=42`'),
    },
    503: {"Retry-After": _RETRY_AFTER},
}


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
        if status in _PROBLEM_HEADERS:
            answers[str(status)]["headers"] = _PROBLEM_HEADERS[status]
    return answers


def _secure(operation: dict[str, Any]) -> None:
    """Who may call: with a token (as FastAPI says), with or without one, or anyone."""
    ((marker, optional),) = SIGN_IN_OPTIONAL.items()
    if operation.pop(marker, None) == optional:
        operation["security"] = [*operation["security"], {}]
    operation.setdefault("security", [])


def _enum_member_name(value: str, descending: bool) -> str:
    if value == "*":  # a webhook's "every event"
        return "ALL"
    name = "".join(c if c.isalnum() else "_" for c in value.lstrip("-")).upper()
    return f"{name}_DESC" if value.startswith("-") else f"{name}_ASC" if descending else name


def _name_enum_members(node: Any) -> None:
    """``x-enum-varnames`` on every string enum, for the generated clients: a sort's
    ``-price`` is ``PRICE_DESC`` (and ``price``, beside it, ``PRICE_ASC``), an event's
    ``order.paid`` is ``ORDER_PAID``."""
    if isinstance(node, dict):
        values = node.get("enum")
        if isinstance(values, list) and values and all(isinstance(v, str) for v in values):
            sorts = {v.lstrip("-") for v in values if v.startswith("-")}
            node["x-enum-varnames"] = [_enum_member_name(v, v in sorts) for v in values]
        for value in node.values():
            _name_enum_members(value)
    elif isinstance(node, list):
        for value in node:
            _name_enum_members(value)


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


def _problem_schemas(codes: list[str]) -> dict[str, Any]:
    """Problem and what it holds, its ``code`` an enum of every code the API answers."""
    problem = Problem.model_json_schema(ref_template="#/components/schemas/{model}")
    schemas: dict[str, Any] = problem.pop("$defs", {})
    problem["properties"]["code"]["enum"] = codes
    return schemas | {"Problem": problem}


def _state_query_strings(schema: dict[str, Any], routes: list[BaseRoute]) -> None:
    """The parameters of the query strings the lists take as models, which FastAPI does
    not see (entrypoints.api.query), stated as FastAPI states its own."""
    for route in routes:
        if not isinstance(route, APIRoute):
            continue
        found, referred = query.parameters(route.dependant)
        if not found:
            continue
        schema["components"]["schemas"] |= referred
        for method in route.methods or ():
            operation = schema["paths"][route.path_format][method.lower()]
            operation.setdefault("parameters", []).extend(found)
            operation["responses"].setdefault("422", {"description": "Validation Error"})


def install_openapi(
    app: FastAPI, *, extra_paths: dict[str, Any], store_currency: Currency, codes: list[str]
) -> None:
    """``extra_paths``: the operations of plain Starlette routes, which FastAPI does not
    document; ``codes``: every problem code."""

    def openapi() -> dict[str, Any]:
        if app.openapi_schema is None:
            schema = get_openapi(
                title=app.title,
                version=app.version,
                description=app.description,
                routes=app.routes,
                webhooks=app.webhooks.routes,
                tags=app.openapi_tags,
                servers=app.servers,
            )
            schema["paths"] = extra_paths | schema["paths"]
            schemas = schema.setdefault("components", {}).setdefault("schemas", {})
            _state_query_strings(schema, app.routes)
            for name in ("HTTPValidationError", "ValidationError"):
                schemas.pop(name, None)
            schemas |= _problem_schemas(codes)
            for path, operations in schema["paths"].items():
                for method, operation in operations.items():
                    if method in _METHODS:
                        operation["responses"] = _problem_responses(path, operation)
                        _secure(operation)
            for operations in schema.get("webhooks", {}).values():
                for operation in operations.values():
                    operation["responses"] = _WEBHOOK_ANSWERS
                    operation["security"] = []  # signed (webhook-signature), no token
            _pin_money(schema, store_currency)
            _name_enum_members(schema)
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
