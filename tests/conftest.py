"""Shared fixtures: throwaway SQLite and PostgreSQL databases, migrated to head.

PostgreSQL: EMPORIUM_TEST_POSTGRES_URL names a server database to create others from.
When it is set (CI sets it), a server that does not answer fails the run; when it is
not, the default local server is tried and its tests skip, saying why, if it is down.
Redis likewise, with EMPORIUM_TEST_REDIS_URL.
"""

import asyncio
import logging
import os
import shutil
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import aio_pika
import pytest
from redis import Redis as SyncRedis
from sqlalchemy import make_url, text

from adapters.sqlalchemy import migrator
from adapters.sqlalchemy.engine import create_engine

DEFAULT_POSTGRES_URL = "postgresql+asyncpg://root@127.0.0.1:5432/postgres"
DEFAULT_REDIS_URL = "redis://127.0.0.1:6379/15"
DEFAULT_RABBITMQ_URL = "amqp://guest:guest@127.0.0.1:5672/"


def sqlite_url(path: Path) -> str:
    return f"sqlite+aiosqlite:///{path}"


@pytest.fixture(autouse=True)
def logging_restored() -> Iterator[None]:
    """Every logger as it was before the test. A command run in process (Typer's
    runner) configures logging onto the runner's stderr, which is closed after it: a
    later record (a peer's thread, an in-process worker) would go to a closed stream."""
    loggers = [logging.getLogger()] + [
        logger
        for logger in logging.root.manager.loggerDict.values()
        if isinstance(logger, logging.Logger)
    ]
    saved = [(logger, logger.handlers[:], logger.level, logger.propagate) for logger in loggers]
    yield
    for logger, handlers, level, propagate in saved:
        logger.handlers[:], logger.level, logger.propagate = handlers, level, propagate


@pytest.fixture(scope="session")
def sqlite_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A database migrated once; each test gets a copy (much faster than migrating)."""
    path = tmp_path_factory.mktemp("template") / "template.db"
    migrator.upgrade(sqlite_url(path))
    return path


@pytest.fixture
def sqlite_db(sqlite_template: Path, tmp_path: Path) -> str:
    path = tmp_path / "emporium.db"
    shutil.copyfile(sqlite_template, path)
    return sqlite_url(path)


async def _admin_execute(server_url: str, *statements: str) -> None:
    engine = create_engine(server_url, isolation_level="AUTOCOMMIT")
    try:
        async with engine.connect() as conn:
            for statement in statements:
                await conn.execute(text(statement))
    finally:
        await engine.dispose()


def _required(variable: str) -> bool:
    return bool(os.environ.get(variable))


@pytest.fixture(scope="session")
def postgres_server() -> str:
    url = os.environ.get("EMPORIUM_TEST_POSTGRES_URL") or DEFAULT_POSTGRES_URL
    try:
        asyncio.run(asyncio.wait_for(_admin_execute(url, "SELECT 1"), 5))
    except Exception as error:
        message = f"PostgreSQL at {make_url(url).render_as_string()} does not answer: {error!r}"
        if _required("EMPORIUM_TEST_POSTGRES_URL"):
            pytest.fail(message)
        pytest.skip(message + " (set EMPORIUM_TEST_POSTGRES_URL to require it)")
    return url


def _database_url(server_url: str, name: str) -> str:
    return make_url(server_url).set(database=name).render_as_string(hide_password=False)


@contextmanager
def throwaway_database(server_url: str, prefix: str, template: str | None = None) -> Iterator[str]:
    """A new database on the server (a copy of ``template`` if given), dropped on exit."""
    name = f"{prefix}_{uuid.uuid4().hex[:12]}"
    copy = f' TEMPLATE "{template}"' if template else ""
    asyncio.run(_admin_execute(server_url, f'CREATE DATABASE "{name}"{copy}'))
    try:
        yield name
    finally:
        drop = f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'
        asyncio.run(_admin_execute(server_url, drop))


@pytest.fixture(scope="session")
def postgres_template(postgres_server: str) -> Iterator[str]:
    """Migrated once; each test's database is copied from it (much faster than migrating)."""
    with throwaway_database(postgres_server, "emporium_template") as name:
        migrator.upgrade(_database_url(postgres_server, name))
        yield name


@pytest.fixture
def postgres_db(postgres_server: str, postgres_template: str) -> Iterator[str]:
    """A fresh, migrated database of its own for one test."""
    with throwaway_database(postgres_server, "emporium_test", postgres_template) as name:
        yield _database_url(postgres_server, name)


@pytest.fixture
def empty_postgres_db(postgres_server: str) -> Iterator[str]:
    with throwaway_database(postgres_server, "emporium_empty") as name:
        yield _database_url(postgres_server, name)


@pytest.fixture(scope="session")
def redis_url() -> str:
    url = os.environ.get("EMPORIUM_TEST_REDIS_URL") or DEFAULT_REDIS_URL

    # A synchronous client: the first test to ask may be running an event loop already.
    try:
        with SyncRedis.from_url(url, socket_connect_timeout=5, socket_timeout=5) as client:
            client.ping()
    except Exception as error:
        message = f"Redis at {url} does not answer: {error!r}"
        if _required("EMPORIUM_TEST_REDIS_URL"):
            pytest.fail(message)
        pytest.skip(message + " (set EMPORIUM_TEST_REDIS_URL to require it)")
    return url


@pytest.fixture(scope="session")
def rabbitmq_url() -> str:
    url = os.environ.get("EMPORIUM_TEST_RABBITMQ_URL") or DEFAULT_RABBITMQ_URL

    async def connect() -> None:
        connection = await aio_pika.connect(url, timeout=5)
        await connection.close()

    try:
        asyncio.run(connect())
    except Exception as error:
        message = f"RabbitMQ at {url} does not answer: {error!r}"
        if _required("EMPORIUM_TEST_RABBITMQ_URL"):
            pytest.fail(message)
        pytest.skip(message + " (set EMPORIUM_TEST_RABBITMQ_URL to require it)")
    return url
