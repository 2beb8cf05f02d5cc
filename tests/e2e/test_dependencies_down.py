"""A dependency that does not answer is a 503 the client can act on, never a 500, and
the server comes back on its own when the dependency does."""

import asyncio
import shutil
import subprocess
import time
from collections.abc import Iterator
from contextlib import contextmanager

import httpx
import pytest
from dependency_injector import providers
from sqlalchemy import make_url, text

from adapters.sqlalchemy.engine import create_engine
from entrypoints.container import Container
from entrypoints.settings import Settings
from tests.e2e.conftest import API, assert_problem, bearer, build_container, serving, sign_in
from tests.peers import free_port

DEAD_REDIS = "redis://127.0.0.1:1/0"
DEAD_POSTGRES = "postgresql+asyncpg://nobody@127.0.0.1:1/none"
REDIS_SERVER, REDIS_CLI = shutil.which("redis-server"), shutil.which("redis-cli")


def assert_unavailable(response: httpx.Response) -> dict:  # type: ignore[type-arg]
    body = assert_problem(response, 503, "service_unavailable")
    assert int(response.headers["retry-after"]) > 0
    return body


@pytest.fixture
def dead_database(container: Container) -> Container:
    """Both engines pointed at a port where no database listens. (A SQLite file in a
    missing folder would do too, but aiosqlite's failed connection thread outlives the
    test's event loop and warns.)"""
    for engine in (container.core.engine, container.core.read_engine):
        engine.override(providers.Singleton(create_engine, DEAD_POSTGRES, pool_size=1))
    return container


async def test_a_database_that_does_not_answer_is_a_503_on_every_path(
    dead_database: Container, client: httpx.AsyncClient
) -> None:
    registered = await client.post(
        f"{API}/auth/register",
        json={"email": "a@example.com", "password": "long enough", "full_name": "A"},
    )
    assert_unavailable(registered)
    assert_unavailable(
        await client.post(f"{API}/auth/token", data={"username": "a@b.io", "password": "x" * 9})
    )
    assert_unavailable(await client.get(f"{API}/products/0190d4c6-0000-7000-8000-000000000000"))
    assert_unavailable(await client.get(f"{API}/products"))
    ready = await client.get("/health/ready")
    assert assert_unavailable(ready)["checks"] == {"database": "down"}
    assert (await client.get("/health/live")).status_code == 200


async def test_a_dead_database_is_logged_once_without_a_trace(
    dead_database: Container, client: httpx.AsyncClient, caplog: pytest.LogCaptureFixture
) -> None:
    await client.post(f"{API}/auth/refresh", json={"refresh_token": "x"})
    records = [r for r in caplog.records if r.name.startswith("emporium")]
    assert len(records) == 1 and records[0].exc_info is None
    assert "database does not answer" in records[0].getMessage()


@pytest.mark.postgres
async def test_the_api_recovers_when_postgresql_drops_its_connections(
    postgres_db: str, settings: Settings
) -> None:
    container = build_container(settings.model_copy(update={"database_url": postgres_db}))
    async with serving(container) as client:
        await client.post(
            f"{API}/auth/register",
            json={"email": "a@example.com", "password": "long enough", "full_name": "A"},
        )
        tokens = await sign_in(client, "a@example.com", "long enough")
        await _terminate_backends(postgres_db)
        statuses = [
            (await client.get(f"{API}/users/me", headers=bearer(tokens["access_token"])))
            for _ in range(12)
        ]
    assert {r.status_code for r in statuses} <= {200, 503}
    assert statuses[-1].status_code == 200


async def _terminate_backends(database_url: str) -> None:
    name = make_url(database_url).database
    admin = create_engine(
        make_url(database_url).set(database="postgres").render_as_string(False),
        isolation_level="AUTOCOMMIT",
    )
    async with admin.connect() as conn:
        await conn.execute(
            text(
                "SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
                "WHERE datname = :name AND pid <> pg_backend_pid()"
            ),
            {"name": name},
        )
    await admin.dispose()
    await asyncio.sleep(0.1)


async def test_redis_down_makes_sign_in_a_503_and_readiness_say_so(settings: Settings) -> None:
    container = build_container(settings.model_copy(update={"redis_url": DEAD_REDIS}))
    async with serving(container) as client:
        response = await client.post(
            f"{API}/auth/token", data={"username": "a@example.com", "password": "whatever1"}
        )
        assert_unavailable(response)
        ready = assert_unavailable(await client.get("/health/ready"))
        assert ready["checks"] == {"database": "ok", "redis": "down"}


@pytest.mark.rabbitmq
async def test_readiness_says_whether_the_broker_answers(
    settings: Settings, rabbitmq_url: str
) -> None:
    for url, state in ((rabbitmq_url, "ok"), ("amqp://guest:guest@127.0.0.1:1/", "down")):
        container = build_container(settings.model_copy(update={"broker_url": url}))
        async with serving(container) as client:
            ready = await client.get("/health/ready")
        assert ready.json()["checks"] == {"database": "ok", "broker": state}
        assert ready.status_code == (200 if state == "ok" else 503)


@contextmanager
def redis_server(port: int) -> Iterator[None]:
    """A Redis of the test's own on ``port``, to switch off and on again."""
    process = subprocess.Popen(
        [
            REDIS_SERVER,
            "--port",
            str(port),
            "--bind",
            "127.0.0.1",
            "--save",
            "",
            "--appendonly",
            "no",
        ],
        stdout=subprocess.DEVNULL,
    )
    try:
        deadline = time.monotonic() + 10
        while subprocess.run([REDIS_CLI, "-p", str(port), "ping"], capture_output=True).returncode:
            assert time.monotonic() < deadline, "redis-server did not start"
            time.sleep(0.05)
        yield
    finally:
        process.terminate()
        process.wait(timeout=10)


@pytest.mark.redis
@pytest.mark.skipif(
    REDIS_SERVER is None or REDIS_CLI is None, reason="no redis-server to start and stop"
)
async def test_sign_in_comes_back_with_redis_without_a_restart(settings: Settings) -> None:
    port = free_port()
    container = build_container(
        settings.model_copy(update={"redis_url": f"redis://127.0.0.1:{port}/0"})
    )
    wrong = {"username": "nobody@example.com", "password": "whatever1"}
    async with serving(container) as client:
        with redis_server(port):
            assert (await client.post(f"{API}/auth/token", data=wrong)).status_code == 401
        assert_unavailable(await client.post(f"{API}/auth/token", data=wrong))
        with redis_server(port):
            assert (await client.post(f"{API}/auth/token", data=wrong)).status_code == 401
            assert (await client.get("/health/ready")).status_code == 200
