"""Tracing, from real processes to a real OTLP/HTTP receiver: a two-worker server's
spans for a request (named by its route template), the statements run for it (traced at
the driver, asyncpg or sqlite3), the webhook and the email its events caused."""

import os
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from opentelemetry.proto.collector.trace.v1.trace_service_pb2 import ExportTraceServiceRequest

from tests.e2e.servers import migrated_with_admin, running_server
from tests.peers import WebhookReceiver, smtp_server

API = "/api/v1"
ADDRESS = {"name": "S", "line1": "1 Main St", "city": "Town", "postal_code": "1", "country": "FR"}
SERVER, CLIENT = 2, 3  # the protocol's span kinds


def spans(collector: WebhookReceiver) -> list[dict[str, Any]]:
    """Every span the collector received, with its service's name."""
    found = []
    for path, _, body in collector.requests:
        assert path == "/v1/traces"
        request = ExportTraceServiceRequest.FromString(body)
        for resource_spans in request.resource_spans:
            resource = {a.key: a.value.string_value for a in resource_spans.resource.attributes}
            for scope_spans in resource_spans.scope_spans:
                for span in scope_spans.spans:
                    attributes = {a.key: a.value for a in span.attributes}
                    found.append(
                        {
                            "service": resource["service.name"],
                            "name": span.name,
                            "kind": span.kind,
                            "trace": span.trace_id.hex(),
                            "attributes": {
                                key: value.string_value or value.int_value
                                for key, value in attributes.items()
                            },
                        }
                    )
    return found


@pytest.fixture
def collector() -> Iterator[WebhookReceiver]:
    with WebhookReceiver() as receiver:
        yield receiver


def test_a_request_its_statements_and_what_it_caused_are_traced(
    database_url: str, collector: WebhookReceiver, tmp_path: Path
) -> None:
    with smtp_server() as (smtp_port, inbox), WebhookReceiver() as hooks:
        env = os.environ | {
            "EMPORIUM_SECRET_KEY": "a-tracing-test-key-that-is-long-enough",
            "EMPORIUM_DATABASE_URL": database_url,
            "EMPORIUM_TRACING_ENDPOINT": f"http://127.0.0.1:{collector.port}",
            "OTEL_BSP_SCHEDULE_DELAY": "100",
            "EMPORIUM_WORKER_POLL_INTERVAL": "0.2",
            "EMPORIUM_SMTP_HOST": "127.0.0.1",
            "EMPORIUM_SMTP_PORT": str(smtp_port),
            "EMPORIUM_SMTP_STARTTLS": "false",
            "EMPORIUM_WEBHOOK_ALLOWED_NETWORKS": "127.0.0.0/8",
        }
        migrated_with_admin(env, tmp_path)
        with running_server(env, tmp_path, workers=2) as (base, _):
            product_id = shop(f"{base}{API}", hooks.url)
            deadline = time.monotonic() + 20
            while not (hooks.requests and inbox):
                assert time.monotonic() < deadline, "the webhook or the email never came"
                time.sleep(0.2)

    found = spans(collector)
    assert {span["service"] for span in found} == {"emporium-api"}
    read = f"{API}/products/{{product_id}}"
    (request,) = [s for s in found if s["kind"] == SERVER and s["name"] == f"GET {read}"]
    assert request["attributes"]["http.route"] == read
    system = "sqlite" if database_url.startswith("sqlite") else "postgresql"
    statements = [s for s in found if s["attributes"].get("db.system") == system]
    assert {s["name"] for s in statements} >= {"SELECT", "INSERT", "UPDATE"}
    if system == "postgresql":  # aiosqlite runs SQLite's in a thread of its own, apart
        assert [s for s in statements if s["trace"] == request["trace"]], "not the read's"
    webhook = [s for s in found if s["kind"] == CLIENT and "/hooks" in str(s["attributes"])]
    assert webhook, "the webhook's request was not traced"
    assert [s for s in found if s["name"] == "smtp send"], "the email was not traced"
    assert product_id


def shop(api: str, hooks: str) -> str:
    """An admin adds a webhook and a product; a customer reads it and orders it (an
    email). The product's id."""
    with httpx.Client(base_url=api, timeout=10) as client:
        token = client.post(
            "/auth/token", data={"username": "ops@example.com", "password": "ops-password"}
        ).json()["access_token"]
        admin = {"Authorization": f"Bearer {token}"}
        created = client.post(
            "/webhooks", headers=admin, json={"url": hooks, "event_types": ["product.created"]}
        )
        assert created.status_code == 201, created.text
        product = client.post(
            "/products",
            headers=admin,
            json={
                "sku": "TRACE-1",
                "name": "Lamp",
                "price": {"amount": "9.00", "currency": "USD"},
                "stock": 5,
            },
        ).json()
        assert client.get(f"/products/{product['id']}").status_code == 200
        email, password = "traced@example.com", "traced-password"
        client.post("/auth/register", json={"email": email, "password": password, "full_name": "T"})
        tokens = client.post("/auth/token", data={"username": email, "password": password})
        customer = {"Authorization": f"Bearer {tokens.json()['access_token']}"}
        order = {
            "lines": [{"product_id": product["id"], "quantity": 1}],
            "shipping_address": ADDRESS,
        }
        assert client.post("/orders", headers=customer, json=order).status_code == 201
        return str(product["id"])
