"""What an operator watches, from real processes under load: a two-worker server's
``/metrics`` summed over both workers and its JSON log lines, and a separate
``emporium worker``'s own metrics; who may scrape them."""

import asyncio
import json
import os
import subprocess
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from prometheus_client.parser import text_string_to_metric_families
from pydantic import SecretStr

from entrypoints.settings import Settings
from tests.e2e.conftest import API, assert_problem, build_container, serving
from tests.e2e.servers import EMPORIUM, migrated_with_admin, running_server
from tests.peers import free_port

READS, PAGES, STOCK = 200, 50, 3
ADDRESS = {"name": "S", "line1": "1 Main St", "city": "Town", "postal_code": "1", "country": "FR"}
PRODUCT = f"{API}/products/{{product_id}}"
# Three orders placed, one paid, one cancelled: an email each (to the log, as no SMTP
# server is set), which the worker counts once each.
EMAILED = {"channel": "email", "outcome": "succeeded"}


@pytest.fixture
def environment(database_url: str) -> dict[str, str]:
    return os.environ | {
        "EMPORIUM_SECRET_KEY": "an-observability-key-that-is-long-enough",
        "EMPORIUM_DATABASE_URL": database_url,
        "EMPORIUM_ACCESS_LOG": "true",
        "EMPORIUM_ORDER_MAX_PENDING": "10",
        "EMPORIUM_WORKER_IN_PROCESS": "false",  # a worker process of its own
        "EMPORIUM_WORKER_POLL_INTERVAL": "0.2",
    }


@pytest.fixture
def worker_metrics(environment: dict[str, str], tmp_path: Path) -> Iterator[str]:
    """``emporium worker --metrics-port``: the address of its metrics."""
    port = free_port()
    process = subprocess.Popen(
        [EMPORIUM, "worker", "--metrics-port", str(port)],
        env=environment,
        cwd=tmp_path,
        stderr=subprocess.DEVNULL,
    )
    try:
        yield f"http://127.0.0.1:{port}/metrics"
    finally:
        process.terminate()
        process.wait(timeout=15)


def samples(text: str) -> dict[tuple[str, frozenset[tuple[str, str]]], float]:
    """Each sample of a scrape, by name and labels."""
    return {
        (sample.name, frozenset(sample.labels.items())): sample.value
        for family in text_string_to_metric_families(text)
        for sample in family.samples
    }


def value(scrape: dict[Any, float], name: str, **labels: str) -> float:
    return scrape.get((name, frozenset(labels.items())), 0.0)


async def shop(base: str) -> dict[str, str]:
    """Under load: many catalog reads at once, orders until the stock runs out, a
    declined payment, a paid order, a cancelled one. The customer's id and the id of
    one request sent with its own X-Request-ID."""
    async with httpx.AsyncClient(base_url=f"{base}{API}", timeout=30) as client:
        token = await client.post(
            "/auth/token", data={"username": "ops@example.com", "password": "ops-password"}
        )
        admin = {"Authorization": f"Bearer {token.json()['access_token']}"}
        product = await client.post(
            "/products",
            headers=admin,
            json={"sku": "OBS-1", "name": "Lamp", "price": {"amount": "9.00", "currency": "USD"}},
        )
        product_id = product.json()["id"]
        await client.post(
            f"/products/{product_id}/stock-adjustments",
            headers=admin,
            json={"delta": STOCK, "reason": "delivery"},
        )
        reads = [client.get(f"/products/{product_id}") for _ in range(READS)]
        pages = [client.get("/products") for _ in range(PAGES)]
        answers = await asyncio.gather(*reads, *pages)
        assert {answer.status_code for answer in answers} == {200}

        email, password = "watched@example.com", "watched-password"
        await client.post(
            "/auth/register", json={"email": email, "password": password, "full_name": "W"}
        )
        tokens = await client.post("/auth/token", data={"username": email, "password": password})
        customer = {"Authorization": f"Bearer {tokens.json()['access_token']}"}
        order = {"lines": [{"product_id": product_id, "quantity": 1}], "shipping_address": ADDRESS}
        placed = [(await client.post("/orders", headers=customer, json=order)) for _ in range(4)]
        assert [answer.status_code for answer in placed] == [201, 201, 201, 409]
        assert placed[-1].json()["code"] == "out_of_stock"
        first, second = placed[0].json()["id"], placed[1].json()["id"]
        declined = await client.post(
            f"/orders/{first}/pay", headers=customer, json={"payment_token": "tok_chargeDeclined"}
        )
        assert declined.status_code == 402
        paid = await client.post(
            f"/orders/{first}/pay", headers=customer, json={"payment_token": "tok_visa"}
        )
        assert paid.status_code == 200
        cancelled = await client.post(f"/orders/{second}/cancel", headers=customer)
        assert cancelled.status_code == 200
        me = await client.get("/users/me", headers=customer | {"X-Request-ID": "watch-me-1"})
        return {"customer": me.json()["id"], "request_id": "watch-me-1"}


def scrape(url: str) -> dict[Any, float]:
    answer = httpx.get(url, timeout=10)
    assert answer.status_code == 200, answer.text
    assert answer.headers["content-type"].startswith("text/plain; version=0.0.4")
    return samples(answer.text)


def scraped_until(url: str, ready: Callable[[dict[Any, float]], bool]) -> dict[Any, float]:
    """Scrapes ``url`` until ``ready`` says what it shows is complete."""
    deadline = time.monotonic() + 20
    while not ready(found := scrape(url)):
        assert time.monotonic() < deadline, f"{url} never showed it"
        time.sleep(0.2)
    return found


def test_two_workers_are_counted_as_one_server(
    environment: dict[str, str], tmp_path: Path, worker_metrics: str
) -> None:
    migrated_with_admin(environment, tmp_path)
    with running_server(environment, tmp_path, workers=2) as (base, log):
        seen = asyncio.run(shop(base))
        worker = scraped_until(
            worker_metrics, lambda s: value(s, "emporium_deliveries_total", **EMAILED) == 5
        )
        server = scraped_until(f"{base}/metrics", lambda s: not value(s, "emporium_outbox_backlog"))

    read = {"method": "GET", "route": PRODUCT}
    assert value(server, "emporium_http_requests_total", **read, status="200") == READS
    assert value(server, "emporium_http_request_duration_seconds_count", **read) == READS
    page = {"method": "GET", "route": f"{API}/products", "status": "200"}
    assert value(server, "emporium_http_requests_total", **page) == PAGES
    assert value(server, "emporium_checkouts_refused_total") == 1
    assert value(server, "emporium_outbox_oldest_age_seconds") == 0
    for pool in ("write", "read"):
        assert value(server, "emporium_db_connections_waiting", pool=pool) == 0
    assert ("emporium_db_connections_in_use", frozenset({("pool", "read")})) in server

    assert value(worker, "emporium_orders_total", event="placed") == STOCK
    assert value(worker, "emporium_orders_total", event="paid") == 1
    assert value(worker, "emporium_orders_total", event="cancelled") == 1
    assert value(worker, "emporium_payments_declined_total") == 1
    assert value(worker, "emporium_http_requests_total", **read, status="200") == 0

    # Every line of the server's log is a JSON object: uvicorn's, the access lines, ours.
    lines = [json.loads(line) for line in log]
    assert any(
        line["logger"] == "uvicorn.error" and "Started server process" in line["message"]
        for line in lines
    )
    access = [line for line in lines if line.get("logger") == "emporium.access"]
    reads = [line for line in access if line["route"] == PRODUCT and line["status"] == 200]
    assert len(reads) == READS
    assert len({line["process"] for line in reads}) == 2, "one worker served every read"
    assert all(line["level"] == "INFO" and line["timestamp"] for line in reads)
    mine = next(line for line in access if line["request_id"] == seen["request_id"])
    assert mine["route"] == f"{API}/users/me" and mine["user_id"] == seen["customer"]
    assert mine["status"] == 200 and mine["duration_ms"] > 0


@pytest.fixture
def settings(sqlite_db: str) -> Settings:
    return Settings(
        database_url=sqlite_db,
        secret_key=SecretStr("an-e2e-signing-key-of-32-bytes-or-more"),
        metrics_allowed_networks=["127.0.0.0/8", "10.0.0.0/8"],
        metrics_token=SecretStr("a-metrics-token-for-prometheus-only"),
        worker_in_process=False,
        _env_file=None,  # type: ignore[call-arg]
    )


async def test_metrics_are_for_the_allowed_networks_or_the_token(settings: Settings) -> None:
    async with serving(build_container(settings)) as client:  # from 203.0.113.7
        refused = await client.get("/metrics")
        assert_problem(refused, 403, "forbidden")
        wrong = await client.get("/metrics", headers={"Authorization": "Bearer guess"})
        assert_problem(wrong, 403, "forbidden")
        token = {"Authorization": "Bearer a-metrics-token-for-prometheus-only"}
        assert (await client.get("/metrics", headers=token)).status_code == 200
        assert "/metrics" not in (await client.get("/openapi.json")).json()["paths"]

    from entrypoints.api.app import create_app

    app = create_app(build_container(settings))
    for address, status in (("10.1.2.3", 200), ("::ffff:127.0.0.1", 200), ("192.0.2.1", 403)):
        transport = httpx.ASGITransport(app=app, client=(address, 40000))
        async with httpx.AsyncClient(transport=transport, base_url="http://e.test") as client:
            assert (await client.get("/metrics")).status_code == status, address
