"""The benchmark's reference server (benchmarks/reference.py) answers every request the
harness sends as Emporium does: the same status, the same JSON, the same headers. A
reference that did less than Emporium would flatter it; one that did more would
belittle it."""

import importlib
import sys
from collections.abc import AsyncIterator
from types import ModuleType
from typing import Any

import httpx
import pytest
from pydantic import SecretStr

from entrypoints.settings import Settings
from tests.e2e.conftest import (
    API,
    CLIENT_ADDRESS,
    bearer,
    build_container,
    create_admin,
    register,
    serving,
    sign_in,
)

pytestmark = pytest.mark.postgres

KEY = "a-reference-signing-key-of-32-bytes-or-more"
# What differs between two answers to the same request, whoever answers.
PER_ANSWER = {"date", "x-request-id"}
ORDER_PER_ANSWER = {"id", "created_at", "updated_at", "payment_expires_at"}
CATALOG_QUOTA = "4/60"  # anonymous catalog reads per client address a minute


@pytest.fixture
def reference(postgres_db: str, monkeypatch: pytest.MonkeyPatch) -> ModuleType:
    monkeypatch.setenv("EMPORIUM_DATABASE_URL", postgres_db)
    monkeypatch.setenv("EMPORIUM_SECRET_KEY", KEY)
    monkeypatch.setenv("EMPORIUM_RATE_LIMIT_CATALOG", CATALOG_QUOTA)
    monkeypatch.delitem(sys.modules, "benchmarks.reference", raising=False)
    return importlib.import_module("benchmarks.reference")  # it reads its settings on import


@pytest.fixture
async def emporium(postgres_db: str) -> AsyncIterator[httpx.AsyncClient]:
    settings = Settings(
        database_url=postgres_db,
        secret_key=SecretStr(KEY),
        rate_limit_catalog=CATALOG_QUOTA,
        worker_in_process=False,
        order_sweep_interval=0,
        _env_file=None,  # type: ignore[call-arg]
    )
    container = build_container(settings)
    async with serving(container) as client:
        await create_admin(container)
        admin = bearer((await sign_in(client, "boss@example.com"))["access_token"])
        for n in range(25):  # more than a page
            product = {
                "sku": f"REF-{n}",
                "name": f"Product {n}",
                "price": {"amount": f"{n}.99", "currency": "USD"},
                "stock": 10,
            }
            assert (await client.post(f"{API}/products", json=product, headers=admin)).is_success
        yield client


@pytest.fixture
async def bare(reference: ModuleType) -> AsyncIterator[httpx.AsyncClient]:
    app = reference.app
    transport = httpx.ASGITransport(app=app, client=(CLIENT_ADDRESS, 40000))
    async with (
        app.router.lifespan_context(app),
        httpx.AsyncClient(transport=transport, base_url="http://emporium.test") as client,
    ):
        yield client


def _headers(response: httpx.Response) -> dict[str, str]:
    return {k: v for k, v in response.headers.items() if k not in PER_ANSWER}


async def _same(emporium: httpx.AsyncClient, bare: httpx.AsyncClient, **request: Any) -> Any:
    ours, theirs = await emporium.request(**request), await bare.request(**request)
    assert (ours.status_code, ours.json()) == (theirs.status_code, theirs.json())
    assert _headers(ours) == _headers(theirs)
    assert "x-request-id" in ours.headers and "x-request-id" in theirs.headers
    return ours.json()


async def test_the_reference_answers_the_harness_as_emporium_does(
    emporium: httpx.AsyncClient, bare: httpx.AsyncClient
) -> None:
    first = await _same(emporium, bare, method="GET", url=f"{API}/products")
    assert first["next_cursor"] is not None  # the Link header was compared too
    second = await _same(
        emporium, bare, method="GET", url=f"{API}/products?cursor={first['next_cursor']}"
    )
    assert len(second["items"]) == 5
    product_id = first["items"][3]["id"]
    await _same(emporium, bare, method="GET", url=f"{API}/products/{product_id}")

    customer = await register(emporium)
    token = bearer((await sign_in(emporium, customer["email"]))["access_token"])
    await _same(emporium, bare, method="GET", url=f"{API}/users/me", headers=token)

    order = {
        "lines": [
            {"product_id": first["items"][0]["id"], "quantity": 2},
            {"product_id": product_id, "quantity": 1},
        ],
        "shipping_address": {
            "name": "Bench Marker",
            "line1": "1 Load Street",
            "city": "Springfield",
            "postal_code": "12345",
            "country": "US",
        },
    }
    request = {"method": "POST", "url": f"{API}/orders", "json": order, "headers": token}
    ours, theirs = await emporium.request(**request), await bare.request(**request)
    assert ours.status_code == theirs.status_code == 201, (ours.text, theirs.text)
    assert _headers(ours).keys() == _headers(theirs).keys()
    assert _without(ours.json(), ORDER_PER_ANSWER) == _without(theirs.json(), ORDER_PER_ANSWER)

    # Both count the anonymous catalog reads: three so far, the fourth is the last.
    await _same(emporium, bare, method="GET", url=f"{API}/products/{product_id}")
    refused = [await client.get(f"{API}/products/{product_id}") for client in (emporium, bare)]
    assert [r.status_code for r in refused] == [429, 429]
    assert refused[0].headers["retry-after"] == refused[1].headers["retry-after"]


def _without(document: dict[str, Any], keys: set[str]) -> dict[str, Any]:
    return {k: v for k, v in document.items() if k not in keys}
