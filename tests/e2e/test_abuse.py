"""Abuse meets a wall, through real server processes: two workers sharing Redis, behind
a trusted proxy, so each request's client address is the X-Forwarded-For it claims.
An attacker guessing a victim's password is throttled while the victim, from their own
address, still signs in; the limits hold across workers; an operator unlocks."""

import os
import subprocess
import uuid
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from redis import Redis

from tests.conftest import sqlite_url
from tests.e2e.servers import EMPORIUM, emporium, running_server

pytestmark = pytest.mark.redis

API = "/api/v1"
VICTIM = {"email": "victim@example.com", "password": "the victim's password", "full_name": "V"}
ATTACKER, HOME = "203.0.113.7", "198.51.100.2"


@pytest.fixture
def environment(redis_url: str, tmp_path: Path) -> Iterator[dict[str, str]]:
    prefix = f"emporium-test-{uuid.uuid4().hex}:"
    yield os.environ | {
        "EMPORIUM_SECRET_KEY": "an-operator-key-that-is-long-enough-1234",
        "EMPORIUM_DATABASE_URL": sqlite_url(tmp_path / "shop.db"),
        "EMPORIUM_REDIS_URL": redis_url,
        "EMPORIUM_REDIS_PREFIX": prefix,
        "EMPORIUM_TRUSTED_PROXIES": "127.0.0.1",
        "EMPORIUM_LOGIN_MAX_FAILURES_PER_EMAIL": "8",
        "EMPORIUM_RATE_LIMIT_REGISTER": "3/3600",
        "EMPORIUM_RATE_LIMIT_CATALOG": "5/60",
        "EMPORIUM_RATE_LIMIT_ORDERS": "2/60",
    }
    redis = Redis.from_url(redis_url)
    if keys := list(redis.scan_iter(match=f"{prefix}*")):
        redis.delete(*keys)
    redis.close()


@pytest.fixture
def server(environment: dict[str, str], tmp_path: Path) -> Iterator[str]:
    emporium(environment, tmp_path, "db", "upgrade")
    with running_server(environment, tmp_path, workers=2) as (base, _):
        yield base


def _from(address: str) -> dict[str, str]:
    return {"X-Forwarded-For": address}


def _sign_in(client: httpx.Client, address: str, password: str) -> httpx.Response:
    return client.post(
        f"{API}/auth/token",
        data={"username": VICTIM["email"], "password": password},
        headers=_from(address),
    )


def test_an_attacker_is_throttled_while_the_victim_signs_in(
    server: str, environment: dict[str, str], tmp_path: Path
) -> None:
    with httpx.Client(base_url=server, timeout=10) as client:
        assert client.post(f"{API}/auth/register", json=VICTIM).status_code == 201
        guesses = [_sign_in(client, ATTACKER, f"guess {n}").status_code for n in range(7)]
        assert guesses == [401] * 5 + [429] * 2
        assert _sign_in(client, ATTACKER, VICTIM["password"]).status_code == 429
        assert _sign_in(client, HOME, VICTIM["password"]).status_code == 200
        # Guessing spread over addresses meets the looser per-account limit (8 in all).
        spread = [_sign_in(client, f"192.0.2.{n}", "guess").status_code for n in range(4)]
        assert spread == [401, 401, 401, 429]
        assert _sign_in(client, HOME, VICTIM["password"]).status_code == 429
        unlocked = subprocess.run(
            [EMPORIUM, "users", "unlock", VICTIM["email"]],
            env=environment, cwd=tmp_path, capture_output=True, text=True, timeout=30,
        )  # fmt: skip
        assert unlocked.returncode == 0, unlocked.stderr
        assert _sign_in(client, HOME, VICTIM["password"]).status_code == 200
        assert _sign_in(client, ATTACKER, "guess again").status_code == 401


def _assert_limited(response: httpx.Response, policy: str) -> None:
    assert response.status_code == 429, response.text
    body = response.json()
    assert body["code"] == "rate_limited"
    wait = int(response.headers["retry-after"])
    assert 0 < wait <= 3600
    assert response.headers["ratelimit-policy"] == policy
    name = policy.split(";")[0]
    assert response.headers["ratelimit"] == f"{name};r=0;t={wait}"


def test_requests_over_their_quota_are_429_per_address_and_per_user(server: str) -> None:
    with httpx.Client(base_url=server, timeout=10) as client:
        accounts = [
            client.post(
                f"{API}/auth/register",
                json={"email": f"u{n}@example.com", "password": "long enough", "full_name": "U"},
                headers=_from(ATTACKER),
            )
            for n in range(4)
        ]
        assert [a.status_code for a in accounts[:3]] == [201] * 3
        _assert_limited(accounts[3], '"register";q=3;w=3600')
        other = client.post(
            f"{API}/auth/register",
            json={"email": "u9@example.com", "password": "long enough", "full_name": "U"},
            headers=_from(HOME),
        )
        assert other.status_code == 201

        reads = [client.get(f"{API}/products", headers=_from(ATTACKER)) for _ in range(6)]
        assert [r.status_code for r in reads[:5]] == [200] * 5
        _assert_limited(reads[5], '"catalog";q=5;w=60')
        missing = f"{API}/products/{uuid.uuid4()}"  # the anonymous fast path counts too
        _assert_limited(client.get(missing, headers=_from(ATTACKER)), '"catalog";q=5;w=60')
        assert client.get(missing, headers=_from(HOME)).status_code == 404

        token = client.post(
            f"{API}/auth/token", data={"username": "u0@example.com", "password": "long enough"}
        ).json()["access_token"]
        signed_in = {"Authorization": f"Bearer {token}"} | _from(ATTACKER)
        assert client.get(f"{API}/products", headers=signed_in).status_code == 200
        order = {"lines": [{"product_id": str(uuid.uuid4()), "quantity": 1}],
                 "shipping_address": {"name": "U", "line1": "1 St", "city": "C",
                                      "postal_code": "1", "country": "FR"}}  # fmt: skip
        placed = [client.post(f"{API}/orders", json=order, headers=signed_in) for _ in range(3)]
        assert [p.status_code for p in placed[:2]] == [422, 422]  # counted, though refused
        _assert_limited(placed[2], '"orders";q=2;w=60')
