"""The shop's events leave it through real processes and real peers: a server that only
writes the outbox, `emporium worker` processes (one killed mid-delivery), an SMTP server,
a webhook receiver and RabbitMQ. At least once everywhere; exactly once for a receiver
that drops what it has seen by id; each order's events in order."""

import json
import os
import signal
import subprocess
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from standardwebhooks import Webhook

from tests.e2e.servers import EMPORIUM, emporium, migrated_with_admin, running_server
from tests.peers import WebhookReceiver, broker_queue, drain, smtp_server

ORDERS = 6
ADDRESS = {"name": "S", "line1": "1 Main St", "city": "Town", "postal_code": "1", "country": "FR"}


@pytest.fixture
def hooks() -> Iterator[WebhookReceiver]:
    with WebhookReceiver() as receiver:
        yield receiver


@pytest.fixture
def mail() -> Iterator[tuple[int, list[Any]]]:
    with smtp_server() as server:
        yield server


@pytest.fixture
def environment(
    database_url: str, rabbitmq_url: str, mail: tuple[int, list[Any]]
) -> dict[str, str]:
    return os.environ | {
        "EMPORIUM_SECRET_KEY": "an-events-test-key-that-is-long-enough",
        "EMPORIUM_DATABASE_URL": database_url,
        "EMPORIUM_WORKER_IN_PROCESS": "false",  # the workers are processes of their own
        "EMPORIUM_WORKER_POLL_INTERVAL": "0.2",
        "EMPORIUM_BROKER_URL": rabbitmq_url,
        "EMPORIUM_SMTP_HOST": "127.0.0.1",
        "EMPORIUM_SMTP_PORT": str(mail[0]),
        "EMPORIUM_SMTP_STARTTLS": "false",
        "EMPORIUM_WEBHOOK_ALLOWED_NETWORKS": "127.0.0.0/8",
        "EMPORIUM_DELIVERY_LEASE": "3",
    }


def shop(base: str, hook_url: str) -> str:
    """An admin adds a webhook endpoint and a product; a customer places orders, pays
    for half and cancels the rest. Answers the endpoint's secret."""
    with httpx.Client(base_url=f"{base}/api/v1", timeout=30) as client:

        def token(email: str, password: str) -> dict[str, str]:
            answer = client.post("/auth/token", data={"username": email, "password": password})
            return {"Authorization": f"Bearer {answer.json()['access_token']}"}

        admin = token("ops@example.com", "ops-password")
        endpoint = client.post(
            "/webhooks", json={"url": hook_url, "event_types": ["*"]}, headers=admin
        )
        product = {"sku": "TEA", "name": "Tea", "price": {"amount": "4.50", "currency": "USD"}}
        product_id = client.post("/products", json=product | {"stock": 100}, headers=admin).json()[
            "id"
        ]
        client.post(
            "/auth/register",
            json={"email": "c@example.com", "password": "customer-pass", "full_name": "C"},
        ).raise_for_status()
        customer = token("c@example.com", "customer-pass")
        for n in range(ORDERS):
            order = client.post(
                "/orders",
                json={
                    "lines": [{"product_id": product_id, "quantity": 1}],
                    "shipping_address": ADDRESS,
                },
                headers=customer,
            ).json()
            step = "pay" if n % 2 == 0 else "cancel"
            body = {"payment_token": "tok_visa"} if step == "pay" else None
            client.post(
                f"/orders/{order['id']}/{step}", json=body, headers=customer
            ).raise_for_status()
        return str(endpoint.json()["secret"])


def worker(environment: dict[str, str], tmp_path: Path) -> subprocess.Popen[bytes]:
    return subprocess.Popen(
        [EMPORIUM, "worker"],
        env=environment,
        cwd=tmp_path,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )


def until(condition: Any, what: str, seconds: float = 60) -> None:
    deadline = time.monotonic() + seconds
    while not condition():
        assert time.monotonic() < deadline, what
        time.sleep(0.2)


def settled(environment: dict[str, str], tmp_path: Path) -> bool:
    """Every event relayed, every delivery delivered."""
    status = dict(
        line.split("\t", 1)
        for line in emporium(environment, tmp_path, "outbox", "status").splitlines()
    )
    return all(value == "0" for key, value in status.items() if key != "oldest undispatched")


@pytest.mark.rabbitmq
async def test_events_reach_every_place_once_in_order_though_a_worker_dies(
    environment: dict[str, str],
    tmp_path: Path,
    rabbitmq_url: str,
    hooks: WebhookReceiver,
    mail: tuple[int, list[Any]],
) -> None:
    migrated_with_admin(environment, tmp_path)
    async with broker_queue(rabbitmq_url) as queue:
        with running_server(environment, tmp_path) as (base, _):
            secret = shop(base, hooks.url)
        events = [
            json.loads(line)
            for line in emporium(
                environment, tmp_path, "events", "list", "--json", "--limit", "1000"
            ).splitlines()
        ][::-1]  # oldest first

        # The first webhook takes the first worker long enough to be killed mid-send.
        hooks.slow, hooks.delay = 1, 5.0
        first = worker(environment, tmp_path)
        until(lambda: hooks.requests, "no webhook was attempted")
        first.kill()
        first.wait()
        others = [worker(environment, tmp_path) for _ in range(2)]
        try:
            until(lambda: settled(environment, tmp_path), "the deliveries did not settle")
        finally:
            for process in others:
                process.send_signal(signal.SIGTERM)
            for process in others:
                assert process.wait(timeout=15) == 0
        published = await drain(queue)

    ids = [e["id"] for e in events]
    assert len(ids) == len(set(ids)) >= 1 + 1 + 1 + 2 * ORDERS  # admin, product, customer, orders

    # Webhooks: each signed; by webhook-id, every event once, each order's in order.
    seen: list[dict[str, Any]] = []
    for _, headers, body in hooks.requests:
        payload = Webhook(secret).verify(body, headers)
        if headers["webhook-id"] not in {s["id"] for s in seen}:
            seen.append({"id": headers["webhook-id"]} | payload)
    assert sorted(s["id"] for s in seen) == sorted(ids)
    for order_id in {e["subject_id"] for e in events if e["type"].startswith("order.")}:
        sent = [s["type"] for s in seen if s["data"].get("id") == order_id]
        assert sent == [e["type"] for e in events if e["subject_id"] == order_id]

    # RabbitMQ: every event, by message id, once at least.
    assert sorted({m.message_id for m in published}) == sorted(ids)

    # Mail: one message per order and step (its Message-ID says which, if one came twice).
    _, inbox = mail
    by_id = {m["Message-ID"]: m for m in inbox}
    subjects = sorted(m["Subject"].split(": ", 1)[1] for m in by_id.values())
    assert len(subjects) == ORDERS + ORDERS  # placed, then paid or cancelled
    assert {m["To"] for m in by_id.values()} == {"C <c@example.com>"}
