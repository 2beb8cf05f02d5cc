"""The OpenAPI document tells the truth: schemathesis, with all its checks, fuzzes every
operation of the app (as an admin and as a customer) and any finding fails the build.
It reads the schema, so every endpoint added later is fuzzed without anyone asking."""

import asyncio
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import schemathesis
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from hypothesis.errors import Unsatisfiable
from pydantic import SecretStr
from schemathesis import GenerationMode
from starlette.testclient import TestClient

from application.users.commands import CreateAdmin
from entrypoints.api.app import create_app
from entrypoints.container import Container, running
from entrypoints.settings import Settings
from tests.e2e.conftest import build_container
from tests.factories import OPERATOR, PASSWORD

EXAMPLES_PER_OPERATION = 50

# Valid addresses for the schema's "emporium-email" format, which says more than its
# pattern can (see the field's description).
schemathesis.openapi.format("emporium-email", st.emails())


def _settings(database: str) -> Settings:
    return Settings(
        database_url=database,
        secret_key=SecretStr("a-contract-test-key-of-32-bytes-or-more"),
        _env_file=None,  # type: ignore[call-arg]
    )


async def _create_admin(container: Container) -> None:
    async with running(container):
        await container.users.create_admin()(CreateAdmin(OPERATOR, "boss@example.com", PASSWORD))


@pytest.fixture(scope="module")
def api(tmp_path_factory: pytest.TempPathFactory, sqlite_template: Path) -> Iterator[dict]:  # type: ignore[type-arg]
    database = tmp_path_factory.mktemp("contract") / "shop.db"
    database.write_bytes(sqlite_template.read_bytes())
    settings_ = _settings(f"sqlite+aiosqlite:///{database}")
    asyncio.run(_create_admin(build_container(settings_)))
    app = create_app(build_container(settings_))
    with TestClient(app) as client:
        client.post(
            "/api/v1/auth/register",
            json={"email": "shopper@example.com", "password": PASSWORD, "full_name": "Shopper"},
        )
        tokens = {
            role: client.post(
                "/api/v1/auth/token", data={"username": email, "password": PASSWORD}
            ).json()["access_token"]
            for role, email in (("admin", "boss@example.com"), ("customer", "shopper@example.com"))
        }
        yield {"app": app, "tokens": tokens}


def _fuzz(operation: schemathesis.APIOperation, mode: GenerationMode, tokens: list[str]) -> int:
    """Runs the operation's cases in one mode; answers how many requests were made."""
    calls = 0

    @settings(
        max_examples=EXAMPLES_PER_OPERATION,
        derandomize=True,  # a fixed seed: the same cases every run
        deadline=None,
        database=None,
        suppress_health_check=list(HealthCheck),
    )
    @given(case=operation.as_strategy(generation_mode=mode))
    def check(case: schemathesis.Case) -> None:
        nonlocal calls
        for token in tokens:  # as an admin, then as a customer
            calls += 1
            case.call_and_validate(headers={"Authorization": f"Bearer {token}"})

    check()
    return calls


# A cursor is signed: one the API did not give out is refused (400 invalid_cursor), as
# the contract says, though no schema can tell a real signature from a made-up one.
# So on the operations that take one, and only there, 400 is an accepted answer.
_CURSOR_OPERATIONS = {
    "GET /api/v1/orders",
    "GET /api/v1/users",
    "GET /api/v1/products",
    "GET /api/v1/products/{product_id}/stock-movements",
    "GET /api/v1/webhooks/{endpoint_id}/deliveries",
}
# Likewise, what only the data can tell: whether a product exists and is on sale
# (422 unknown_product), whether an order names a product twice, whether the gateway
# knows a payment token, and whether a webhook's host resolves to a public address
# (all 422).
_DATA_DEPENDENT_422 = {
    "POST /api/v1/orders",
    "POST /api/v1/orders/{order_id}/pay",
    "POST /api/v1/webhooks",
    "PATCH /api/v1/webhooks/{endpoint_id}",
}
_ACCEPTED = ["2xx", "3xx", "401", "403", "404", "409", "429"]


def _accepting(operations: set[str], *statuses: str) -> dict[str, Any]:
    return {
        "include-name": sorted(operations),
        "checks": {"positive_data_acceptance": {"expected-statuses": _ACCEPTED + list(statuses)}},
    }


_CONFIG = schemathesis.Config.from_dict(
    {
        "operations": [
            _accepting(_CURSOR_OPERATIONS, "400"),
            _accepting(_DATA_DEPENDENT_422, "422"),
        ]
    }
)


def test_every_operation_keeps_its_contract(api: dict) -> None:  # type: ignore[type-arg]
    schema = schemathesis.openapi.from_asgi("/openapi.json", api["app"], config=_CONFIG)
    cursor_operations = {
        f"{method.upper()} {path}"
        for path, operations in api["app"].openapi()["paths"].items()
        for method, operation in operations.items()
        if any(p["name"] == "cursor" for p in operation.get("parameters", []))
    }
    assert cursor_operations == _CURSOR_OPERATIONS  # a new list is added above
    tokens = list(api["tokens"].values())
    findings, operations, calls = [], 0, 0
    for result in schema.get_all_operations():
        operation = result.ok()
        operations += 1
        for mode in (GenerationMode.POSITIVE, GenerationMode.NEGATIVE):
            try:
                calls += _fuzz(operation, mode, tokens)
            except Unsatisfiable:  # no input of this operation can break its schema
                assert mode is GenerationMode.NEGATIVE
            except BaseExceptionGroup as finding:  # every finding is reported, not the first
                findings.append(f"{operation.label} ({mode}): {finding}")
    assert operations >= 12 and calls >= operations * EXAMPLES_PER_OPERATION
    assert findings == [], "\n\n".join(findings)
