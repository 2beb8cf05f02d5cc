"""PostgreSQL killing the server's connections under load, as a failover or an operator's
pg_terminate_backend does: the requests that were using them answer 503, never 500, no
lost connection is handed out again, and the moment the kills stop every request is a
200 again. Through a real server process with two workers."""

import asyncio
import os
import time
from collections import Counter
from pathlib import Path

import asyncpg  # type: ignore[import-untyped]
import httpx
import pytest
from sqlalchemy import make_url

from tests.e2e.servers import emporium, running_server

pytestmark = pytest.mark.postgres

API = "/api/v1"
CLIENTS = 32
ACCOUNT = {"email": "kim@example.com", "password": "a long password", "full_name": "Kim"}


async def _load(base: str, token: str, product: str, seconds: float) -> Counter[int]:
    """``CLIENTS`` clients reading their account and a product, back to back."""
    statuses: Counter[int] = Counter()
    deadline = time.monotonic() + seconds
    limits = httpx.Limits(max_connections=CLIENTS)
    async with httpx.AsyncClient(base_url=base, timeout=30, limits=limits) as client:

        async def one_client() -> None:
            headers = {"Authorization": f"Bearer {token}"}
            while time.monotonic() < deadline:
                me = await client.get(f"{API}/users/me", headers=headers)
                read = await client.get(f"{API}/products/{product}")
                statuses.update((me.status_code, read.status_code))

        await asyncio.gather(*(one_client() for _ in range(CLIENTS)))
    return statuses


async def _kill_connections(server: str, database: str, until: float) -> int:
    """Terminates every connection to ``database`` every 50 ms until ``until``."""
    admin = await asyncpg.connect(
        make_url(server).set(drivername="postgresql").render_as_string(False)
    )
    rounds = 0
    try:
        while time.monotonic() < until:
            await admin.execute(
                "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = $1",
                database,
            )
            rounds += 1
            await asyncio.sleep(0.05)
    finally:
        await admin.close()
    return rounds


async def test_killed_connections_are_503s_and_the_server_heals_at_once(
    postgres_server: str, postgres_db: str, tmp_path: Path
) -> None:
    env = os.environ | {
        "EMPORIUM_SECRET_KEY": "an-operator-key-that-is-long-enough-1234",
        "EMPORIUM_DATABASE_URL": postgres_db,
    }
    emporium(env, tmp_path, "seed", "demo", "--password", "a demo password")
    with running_server(env, tmp_path, workers=2) as (base, log):
        async with httpx.AsyncClient(base_url=base) as client:
            assert (await client.post(f"{API}/auth/register", json=ACCOUNT)).status_code == 201
            signed_in = await client.post(
                f"{API}/auth/token",
                data={"username": ACCOUNT["email"], "password": ACCOUNT["password"]},
            )
            token = signed_in.json()["access_token"]
            product = (await client.get(f"{API}/products")).json()["items"][0]["id"]

        database = make_url(postgres_db).database
        assert database is not None
        under_fire, rounds = await asyncio.gather(
            _load(base, token, product, seconds=4),
            _kill_connections(postgres_server, database, until=time.monotonic() + 4),
        )
        afterwards = await _load(base, token, product, seconds=2)

    assert rounds > 20
    assert set(under_fire) <= {200, 503}, under_fire
    assert under_fire[503] > 0, "the kills should have hit some requests"
    assert set(afterwards) == {200}, afterwards
    assert not [line for line in log if "Traceback" in line]
