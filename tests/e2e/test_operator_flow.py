"""The operator's path, with real processes: migrate, create an admin, serve with two
workers in production mode, and a client making many requests at once over HTTP."""

import asyncio
import json
import os
import subprocess
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from tests.conftest import sqlite_url
from tests.e2e.servers import EMPORIUM, emporium, free_port, running_server

CLIENTS = 20


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def environment(request: pytest.FixtureRequest, tmp_path: Path) -> dict[str, str]:
    if request.param == "sqlite":
        url = sqlite_url(tmp_path / "shop.db")
    else:
        url = str(request.getfixturevalue("empty_postgres_db"))
    return os.environ | {
        "EMPORIUM_ENV": "production",
        "EMPORIUM_SECRET_KEY": "an-operator-key-that-is-long-enough-1234",
        "EMPORIUM_DATABASE_URL": url,
    }


@pytest.fixture
def server(environment: dict[str, str], tmp_path: Path) -> Iterator[str]:
    emporium(environment, tmp_path, "db", "upgrade")
    emporium(
        environment,
        tmp_path,
        "users",
        "create-admin",
        "--email",
        "ops@example.com",
        "--password",
        "ops-password",
    )
    with running_server(environment, tmp_path, workers=2) as (base, log):
        yield base
    # The audit log (the server's stderr) saw every registration, one JSON line each.
    registrations = [line for line in log if '"event": "UserRegistered"' in line]
    assert len(registrations) == CLIENTS
    assert all(json.loads(line)["event"] == "UserRegistered" for line in registrations)


async def test_many_clients_at_once_against_two_workers(server: str) -> None:
    async with httpx.AsyncClient(base_url=f"{server}/api/v1", timeout=30) as client:

        async def shopper(n: int) -> str:
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
            return str(me.json()["id"])

        ids = await asyncio.gather(*(shopper(n) for n in range(CLIENTS)))

        token = await client.post(
            "/auth/token", data={"username": "ops@example.com", "password": "ops-password"}
        )
        headers = {"Authorization": f"Bearer {token.json()['access_token']}"}
        listed = await client.get(
            "/users", params={"role": "customer", "limit": 100}, headers=headers
        )
    assert {u["id"] for u in listed.json()["items"]} == set(ids)


@pytest.mark.parametrize("command", [["serve", "--workers", "2"], ["serve"], ["db", "upgrade"]])
@pytest.mark.parametrize(
    ("variable", "value"),
    [("EMPORIUM_DATABASE_URL", "not a url at all"), ("EMPORIUM_TRUSTED_PROXIES", "a proxy")],
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
