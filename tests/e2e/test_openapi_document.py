"""The OpenAPI document as client generators read it: names a person would write,
who may call what, the headers and codes a client switches on, an example on every
request body."""

import re
from importlib.metadata import version
from typing import Any

import pytest
from pydantic import BaseModel

from entrypoints.api.app import create_app
from entrypoints.api.schemas import catalog, orders, users, webhooks
from entrypoints.api.schemas.common import RequestBody
from entrypoints.settings import Settings
from tests.e2e.conftest import build_container

PUBLIC = {"register", "token", "refresh", "logout", "live", "ready"}
SIGN_IN_OPTIONAL = {"list_products", "read_product"}


@pytest.fixture(scope="module")
def document() -> dict[str, Any]:
    settings = Settings(secret_key="k" * 32, _env_file=None)  # type: ignore[arg-type,call-arg]
    return create_app(build_container(settings)).openapi()


def _operations(document: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {
        operation["operationId"]: operation
        for operations in document["paths"].values()
        for operation in operations.values()
    }


def test_operation_ids_are_the_names_a_person_would_write(document: dict[str, Any]) -> None:
    ids = [
        operation["operationId"]
        for operations in document["paths"].values()
        for operation in operations.values()
    ]
    assert len(ids) == len(set(ids))
    assert all(re.fullmatch(r"[a-z]+(_[a-z]+)*", name) for name in ids), ids
    assert {"place_order", "pay_order", "list_products", "read_me", "token"} <= set(ids)


def test_each_list_states_its_query_parameters(document: dict[str, Any]) -> None:
    """The lists take their query strings as models (entrypoints.api.query), which
    FastAPI does not see: the document still lists every parameter."""
    operations = _operations(document)
    expected = {
        "list_products": {"q", "min_price", "max_price", "in_stock", "include_archived", "sort"},
        "list_orders": {"status", "customer_id"},
        "list_users": {"role", "q"},
        "list_webhook_deliveries": {"status"},
        "list_stock_movements": set(),
    }
    for name, filters in expected.items():
        query = {p["name"]: p for p in operations[name]["parameters"] if p["in"] == "query"}
        assert set(query) == filters | {"limit", "cursor"}, name
        assert not any(p["required"] for p in query.values()), name
        assert operations[name]["responses"]["422"]["description"] == "Validation Error"
    sort = next(p for p in operations["list_products"]["parameters"] if p["name"] == "sort")
    assert sort["schema"] == {"$ref": "#/components/schemas/ProductSort", "default": "-created_at"}
    assert "ProductSort" in document["components"]["schemas"]


def test_who_may_call_each_operation_is_stated(document: dict[str, Any]) -> None:
    bearer = {"OAuth2PasswordBearer": []}
    for name, operation in _operations(document).items():
        if name in PUBLIC:
            assert operation["security"] == [], name
        elif name in SIGN_IN_OPTIONAL:
            assert operation["security"] == [bearer, {}], name
        else:
            assert operation["security"] == [bearer], name
    for event, operations in document["webhooks"].items():
        assert operations["post"]["security"] == [], event  # signed, not a token
    scheme = document["components"]["securitySchemes"]["OAuth2PasswordBearer"]
    assert "email" in scheme["description"]


def test_enum_members_are_named_for_what_they_are(document: dict[str, Any]) -> None:
    sort = document["components"]["schemas"]["ProductSort"]
    names = dict(zip(sort["enum"], sort["x-enum-varnames"], strict=True))
    assert names["-price"] == "PRICE_DESC" and names["price"] == "PRICE_ASC"
    assert names["-created_at"] == "CREATED_AT_DESC"
    event_types = document["components"]["schemas"]["CreateWebhookIn"]["properties"]
    item = event_types["event_types"]["items"]
    members = dict(zip(item["enum"], item["x-enum-varnames"], strict=True))
    assert members["*"] == "ALL" and members["order.paid"] == "ORDER_PAID"
    assert all(re.fullmatch(r"[A-Z][A-Z0-9_]*", name) for name in members.values())


def test_headers_a_client_reads_are_declared(document: dict[str, Any]) -> None:
    operations = _operations(document)
    for name in ("place_order", "create_product", "create_webhook"):
        assert "Location" in operations[name]["responses"]["201"]["headers"], name
    limited = operations["place_order"]["responses"]["429"]["headers"]
    assert {"Retry-After", "RateLimit-Policy", "RateLimit"} <= set(limited)
    assert "Retry-After" in operations["place_order"]["responses"]["503"]["headers"]
    assert "Link" in operations["list_orders"]["responses"]["200"]["headers"]


def test_problems_say_every_code_and_type_their_errors(document: dict[str, Any]) -> None:
    problem = document["components"]["schemas"]["Problem"]["properties"]
    codes = set(problem["code"]["enum"])
    assert {"out_of_stock", "validation_error", "rate_limited", "internal_error"} <= codes
    assert {"invalid_cursor", "payload_too_large", "method_not_allowed"} <= codes
    items = problem["errors"]["anyOf"][0]["items"]
    assert items == {"$ref": "#/components/schemas/ValidationIssue"}
    assert set(document["components"]["schemas"]["ValidationIssue"]["required"]) == {
        "loc",
        "msg",
        "type",
    }


def test_the_document_names_its_server_version_and_sections(document: dict[str, Any]) -> None:
    assert document["info"]["version"] == version("emporium")
    assert document["servers"] == [{"url": "/", "description": "this server"}]
    tags = [tag["name"] for tag in document["tags"]]
    assert tags[0] == "auth" and all(tag.get("description") for tag in document["tags"])


def _request_bodies() -> list[type[BaseModel]]:
    modules = (catalog, orders, users, webhooks)
    found = [
        model
        for module in modules
        for model in vars(module).values()
        if isinstance(model, type) and issubclass(model, RequestBody) and model is not RequestBody
    ]
    nested = {orders.LineIn, orders.AddressIn}  # parts of a body, shown in its example
    return [model for model in found if model not in nested]


@pytest.mark.parametrize("model", _request_bodies(), ids=lambda model: model.__name__)
def test_every_request_body_has_an_example_that_is_valid(model: type[BaseModel]) -> None:
    (example,) = model.model_json_schema()["examples"]
    model.model_validate(example)
