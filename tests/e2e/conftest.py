from collections.abc import AsyncIterator
from contextlib import AbstractAsyncContextManager, asynccontextmanager
from pathlib import Path
from typing import Any

import httpx
import pytest
from dependency_injector import providers
from pydantic import SecretStr

from adapters.security.passwords import Argon2PasswordHasher
from application.users.commands import CreateAdmin
from entrypoints.api.app import create_app
from entrypoints.container import Container
from entrypoints.settings import Settings
from tests.conftest import sqlite_url
from tests.factories import OPERATOR, PASSWORD, RegisterPayloadFactory

API = "/api/v1"
CLIENT_ADDRESS = "203.0.113.7"


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def database_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    """An empty database, for real server processes that migrate it themselves: a new
    SQLite file or a throwaway PostgreSQL database."""
    if request.param == "sqlite":
        return sqlite_url(tmp_path / "shop.db")
    return str(request.getfixturevalue("empty_postgres_db"))


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def database(request: pytest.FixtureRequest) -> str:
    """Every API test runs on both databases: the embedded default and production's."""
    return str(request.getfixturevalue(f"{request.param}_db"))


@pytest.fixture
def settings(database: str) -> Settings:
    return Settings(
        database_url=database,
        secret_key=SecretStr("an-e2e-signing-key-of-32-bytes-or-more"),
        # No background upkeep or events' worker: they would act (and log) on their own
        # schedule. The tests of each turn it on.
        order_sweep_interval=0,
        worker_in_process=False,
        _env_file=None,  # type: ignore[call-arg]
    )


def build_container(settings: Settings) -> Container:
    container = Container()
    container.core.settings.override(settings)
    # Real argon2id, at the lowest cost, so the suite stays fast.
    container.users.hasher.override(
        providers.Singleton(Argon2PasswordHasher, time_cost=1, memory_cost=1024, parallelism=1)
    )
    return container


@asynccontextmanager
async def serving(container: Container) -> AsyncIterator[httpx.AsyncClient]:
    """A client of the app built on ``container``, through ASGI, lifespan included. (What
    a test changes, it changes in the container: the app takes its routers' routes as
    they are, which FastAPI's ``dependency_overrides`` do not reach.)"""
    app = create_app(container)
    transport = httpx.ASGITransport(
        app=app, raise_app_exceptions=False, client=(CLIENT_ADDRESS, 40000)
    )
    async with (
        app.router.lifespan_context(app),
        httpx.AsyncClient(transport=transport, base_url="http://emporium.test") as client,
    ):
        yield client


def worker(settings: Settings) -> AbstractAsyncContextManager[httpx.AsyncClient]:
    """One more app with a container of its own, as a second server process would have."""
    return serving(build_container(settings))


@pytest.fixture
def container(settings: Settings) -> Container:
    return build_container(settings)


@pytest.fixture
async def client(container: Container) -> AsyncIterator[httpx.AsyncClient]:
    async with serving(container) as client:
        yield client


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


async def register(client: httpx.AsyncClient, **fields: Any) -> dict[str, Any]:
    payload = RegisterPayloadFactory(**fields)
    response = await client.post(f"{API}/auth/register", json=payload)
    assert response.status_code == 201, response.text
    return response.json() | {"password": payload["password"]}


async def sign_in(
    client: httpx.AsyncClient, email: str, password: str = PASSWORD
) -> dict[str, Any]:
    response = await client.post(
        f"{API}/auth/token", data={"username": email, "password": password}
    )
    assert response.status_code == 200, response.text
    return response.json()


async def create_admin(container: Container, email: str = "boss@example.com") -> None:
    await container.users.create_admin()(CreateAdmin(OPERATOR, email, PASSWORD, "The Boss"))


@pytest.fixture
async def customer(client: httpx.AsyncClient) -> dict[str, Any]:
    user = await register(client)
    return user | {"tokens": await sign_in(client, user["email"])}


@pytest.fixture
async def admin(client: httpx.AsyncClient, container: Container) -> dict[str, Any]:
    await create_admin(container)
    tokens = await sign_in(client, "boss@example.com")
    me = (await client.get(f"{API}/users/me", headers=bearer(tokens["access_token"]))).json()
    return me | {"tokens": tokens, "headers": bearer(tokens["access_token"])}


def assert_problem(response: httpx.Response, status: int, code: str) -> dict[str, Any]:
    assert response.status_code == status, response.text
    assert response.headers["content-type"] == "application/problem+json"
    body = response.json()
    assert body["status"] == status and body["code"] == code
    assert body["request_id"] == response.headers["x-request-id"]
    assert body["type"].startswith("https://emporium.dev/problems/")
    return body
