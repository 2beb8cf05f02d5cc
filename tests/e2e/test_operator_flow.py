"""The operator's path, with real processes: migrate, create an admin, serve with two
workers in production mode, and a client making many requests at once over HTTP."""

import asyncio
import http.client
import json
import os
import subprocess
import time
import uuid
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import urlsplit

import httpx
import pytest
from redis import Redis
from sqlalchemy import make_url, text

from adapters.sqlalchemy.engine import create_engine
from tests.conftest import sqlite_url, throwaway_database
from tests.e2e.servers import EMPORIUM, emporium, migrated_with_admin, running_server
from tests.peers import free_port

CLIENTS = 20


@pytest.fixture
def environment(database_url: str) -> dict[str, str]:
    return os.environ | {
        "EMPORIUM_ENV": "production",
        "EMPORIUM_SECRET_KEY": "an-operator-key-that-is-long-enough-1234",
        "EMPORIUM_DATABASE_URL": database_url,
        "EMPORIUM_PAYMENT_GATEWAY": "fake",
    }


@pytest.fixture
def shared_limits(environment: dict[str, str], redis_url: str) -> Iterator[dict[str, str]]:
    """``environment``, with the limits counted in Redis, as several workers need."""
    prefix = f"emporium-test-{uuid.uuid4().hex}:"
    yield environment | {"EMPORIUM_REDIS_URL": redis_url, "EMPORIUM_REDIS_PREFIX": prefix}
    with Redis.from_url(redis_url) as redis:
        if keys := list(redis.scan_iter(match=f"{prefix}*")):
            redis.delete(*keys)


@pytest.fixture
def server(shared_limits: dict[str, str], tmp_path: Path) -> Iterator[str]:
    migrated_with_admin(shared_limits, tmp_path)
    with running_server(shared_limits, tmp_path, workers=2) as (base, log):
        yield base
        wait_for_the_outbox(shared_limits, tmp_path)
    # The audit log (the server's stderr) saw every registration once (the admin's too,
    # made by the CLI), one JSON line each, written by whichever process relayed it.
    registrations = [line for line in log if '"type": "user.registered"' in line]
    assert sorted(json.loads(line)["data"]["email"] for line in registrations) == sorted(
        ["ops@example.com", *(f"shopper{n}@example.com" for n in range(CLIENTS))]
    )


def wait_for_the_outbox(environment: dict[str, str], tmp_path: Path) -> None:
    """Until the servers' in-process workers have relayed every event."""
    deadline = time.monotonic() + 20
    while "undispatched events\t0\n" not in emporium(environment, tmp_path, "outbox", "status"):
        assert time.monotonic() < deadline, "the outbox was not relayed"
        time.sleep(0.2)


STOCK = 15
ADDRESS = {"name": "S", "line1": "1 Main St", "city": "Town", "postal_code": "1", "country": "FR"}


async def test_many_clients_at_once_against_two_workers(server: str) -> None:
    """They register, sign in, and then all buy the same product at once: of 20 buyers
    of the last 15, exactly 15 get an order, whichever worker serves them."""
    async with httpx.AsyncClient(base_url=f"{server}/api/v1", timeout=30) as client:

        async def shopper(n: int) -> tuple[str, str]:
            email = f"shopper{n}@example.com"
            registered = await client.post(
                "/auth/register",
                json={"email": email, "password": "shopper-pass", "full_name": f"S {n}"},
            )
            assert registered.status_code == 201, registered.text
            token = await client.post(
                "/auth/token", data={"username": email, "password": "shopper-pass"}
            )
            assert token.status_code == 200, token.text
            me = await client.get(
                "/users/me", headers={"Authorization": f"Bearer {token.json()['access_token']}"}
            )
            assert me.status_code == 200
            return str(me.json()["id"]), token.json()["access_token"]

        shoppers = await asyncio.gather(*(shopper(n) for n in range(CLIENTS)))
        ids = [user_id for user_id, _ in shoppers]

        token = await client.post(
            "/auth/token", data={"username": "ops@example.com", "password": "ops-password"}
        )
        headers = {"Authorization": f"Bearer {token.json()['access_token']}"}
        listed = await client.get(
            "/users", params={"role": "customer", "limit": 100}, headers=headers
        )
        product = await client.post(
            "/products",
            json={"sku": "LAST-ONES", "name": "Mug", "price": {"amount": "5.00", "currency": "USD"},
                  "stock": STOCK},
            headers=headers,
        )  # fmt: skip
        line = {"product_id": product.json()["id"], "quantity": 1}
        bought = await asyncio.gather(
            *(
                client.post(
                    "/orders",
                    json={"lines": [line], "shipping_address": ADDRESS},
                    headers={"Authorization": f"Bearer {token}"},
                )
                for _, token in shoppers
            )
        )
        left = (await client.get(f"/products/{product.json()['id']}")).json()["stock"]
    assert {u["id"] for u in listed.json()["items"]} == set(ids)
    statuses = sorted(answer.status_code for answer in bought)
    assert statuses == [201] * STOCK + [409] * (CLIENTS - STOCK) and left == 0


@pytest.mark.parametrize("command", [["serve", "--workers", "2"], ["serve"], ["db", "upgrade"]])
@pytest.mark.parametrize(
    ("variable", "value"),
    [
        ("EMPORIUM_DATABASE_URL", "not a url at all"),
        ("EMPORIUM_TRUSTED_PROXIES", "a proxy"),
        ("EMPORIUM_DATABSE_URL", "postgresql+asyncpg://root@db/shop"),  # misspelt
        ("EMPORIUM_REDIS_URL", "notredis"),
    ],
)
def test_bad_settings_stop_with_one_line_and_exit_1(
    tmp_path: Path, command: list[str], variable: str, value: str
) -> None:
    env = os.environ | {variable: value, "EMPORIUM_SECRET_KEY": "k" * 32}
    result = subprocess.run(
        [EMPORIUM, *command, "--port", str(free_port())]
        if command[0] == "serve"
        else [EMPORIUM, *command],
        env=env,
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=30,
    )
    assert result.returncode == 1
    assert result.stderr.strip().count("\n") == 0, result.stderr
    assert variable in result.stderr and "Traceback" not in result.stderr


@pytest.mark.parametrize(
    ("missing", "command"),
    [("EMPORIUM_DATABASE_URL", ["serve"]), ("EMPORIUM_PAYMENT_GATEWAY", ["orders", "list"])],
)
def test_production_stops_until_it_names_its_database_and_gateway(
    tmp_path: Path, missing: str, command: list[str]
) -> None:
    named = {
        "EMPORIUM_DATABASE_URL": sqlite_url(tmp_path / "shop.db"),
        "EMPORIUM_PAYMENT_GATEWAY": "fake",
    }
    env = os.environ | named | {"EMPORIUM_ENV": "production", "EMPORIUM_SECRET_KEY": "k" * 32}
    del env[missing]
    result = subprocess.run(
        [EMPORIUM, *command], env=env, cwd=tmp_path, capture_output=True, text=True, timeout=30
    )
    assert result.returncode == 1 and result.stderr.strip().count("\n") == 0, result.stderr
    assert f"{missing} must be set in production" in result.stderr
    assert not (tmp_path / "emporium.db").exists()


def test_production_refuses_several_workers_whose_limits_would_not_add_up(
    environment: dict[str, str], tmp_path: Path
) -> None:
    emporium(environment, tmp_path, "db", "upgrade")
    scratch = tmp_path / "tmp"  # where a metrics directory would be made
    scratch.mkdir()
    result = subprocess.run(
        [EMPORIUM, "serve", "--workers", "3", "--port", str(free_port())],
        env=environment | {"TMPDIR": str(scratch)},
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=30,
    )
    assert result.returncode == 1 and result.stderr.strip().count("\n") == 0, result.stderr
    assert "3 workers without EMPORIUM_REDIS_URL" in result.stderr
    assert "3 times looser" in result.stderr
    assert list(scratch.iterdir()) == []  # a refused start leaves nothing behind


def test_development_is_told_that_several_workers_count_apart(
    environment: dict[str, str], tmp_path: Path
) -> None:
    development = environment | {"EMPORIUM_ENV": "development"}
    emporium(development, tmp_path, "db", "upgrade")
    with running_server(development, tmp_path, workers=2) as (base, log):
        assert httpx.get(f"{base}/health/ready").status_code == 200
    warned = [json.loads(line) for line in log if "2 workers without EMPORIUM_REDIS_URL" in line]
    assert [line["level"] for line in warned] == ["WARNING"]  # once, as a log line


def test_the_fake_gateway_in_production_is_said_at_start_and_in_readiness(
    environment: dict[str, str], tmp_path: Path
) -> None:
    emporium(environment, tmp_path, "db", "upgrade")
    with running_server(environment, tmp_path) as (base, log):
        ready = httpx.get(f"{base}/health/ready").json()
    assert ready["payments"] == "fake"
    assert any("fake payment gateway serves production" in line for line in log)


@pytest.mark.postgres
def test_a_database_gone_mid_flight_is_a_503_on_a_connection_that_stays_open(
    postgres_server: str, tmp_path: Path
) -> None:
    with throwaway_database(postgres_server, "emporium_gone") as name:
        env = os.environ | {
            "EMPORIUM_SECRET_KEY": "an-operator-key-that-is-long-enough-1234",
            "EMPORIUM_DATABASE_URL": make_url(postgres_server)
            .set(database=name)
            .render_as_string(False),
        }
        emporium(env, tmp_path, "db", "upgrade")
        with running_server(env, tmp_path) as (base, log), httpx.Client(base_url=base) as client:
            account = {"email": "ada@example.com", "password": "long enough", "full_name": "A"}
            assert client.post("/api/v1/auth/register", json=account).status_code == 201
            signed_in = client.post(
                "/api/v1/auth/token", data={"username": account["email"], "password": "long enough"}
            )
            me = {"Authorization": f"Bearer {signed_in.json()['access_token']}"}
            assert client.get("/api/v1/users/me", headers=me).status_code == 200
            asyncio.run(_drop(postgres_server, name))
            # Over one raw keep-alive connection: the server must answer on it, and keep it.
            connection = http.client.HTTPConnection(*urlsplit(base).netloc.split(":"))
            answers, sockets = [], []
            for path in ("/api/v1/users/me", "/api/v1/users/me", "/health/ready"):
                connection.request("GET", path, headers=me)
                answers.append(connection.getresponse())
                answers[-1].read()
                sockets.append(connection.sock)
            connection.close()
    assert all(sock is sockets[0] is not None for sock in sockets)
    assert [a.status for a in answers] == [503, 503, 503]
    assert answers[0].getheader("content-type") == "application/problem+json"
    assert not any("Traceback" in line for line in log)


async def _drop(server_url: str, name: str) -> None:
    engine = create_engine(server_url, isolation_level="AUTOCOMMIT")
    async with engine.connect() as conn:
        await conn.execute(text(f'DROP DATABASE "{name}" WITH (FORCE)'))
    await engine.dispose()
