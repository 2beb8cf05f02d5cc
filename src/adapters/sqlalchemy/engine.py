"""Engines for SQLite (embedded default) and PostgreSQL (production)."""

from typing import Any

from sqlalchemy import event, text
from sqlalchemy.engine import Connection
from sqlalchemy.ext.asyncio import AsyncEngine, create_async_engine

SQLITE_BUSY_TIMEOUT_MS = 5_000
# A database that does not answer is reported in seconds, not after the driver's minute.
CONNECT_TIMEOUT_SECONDS = 5
POOL_TIMEOUT_SECONDS = 10


def create_engine(url: str, **kwargs: Any) -> AsyncEngine:
    if url.startswith("postgresql"):
        kwargs.setdefault("connect_args", {"timeout": CONNECT_TIMEOUT_SECONDS})
        kwargs.setdefault("pool_timeout", POOL_TIMEOUT_SECONDS)
    engine = create_async_engine(url, **kwargs)
    if engine.dialect.name == "sqlite":
        _tune_sqlite(engine)
    return engine


def read_only_options(engine: AsyncEngine) -> dict[str, Any]:
    """Connection options for a unit of work that only reads: PostgreSQL autocommits
    (no BEGIN/ROLLBACK round trips), SQLite begins a deferred transaction that takes no
    write lock."""
    if engine.dialect.name == "sqlite":
        return {"sqlite_begin": "DEFERRED"}
    return {"isolation_level": "AUTOCOMMIT"}


def _tune_sqlite(engine: AsyncEngine) -> None:
    """WAL lets readers and one writer work at once, across processes too; the busy timeout
    makes a writer wait for the lock instead of failing. The driver's own transaction
    handling is switched off so that SQLAlchemy emits BEGIN itself: IMMEDIATE by default,
    so a transaction that will write holds the write lock from its start and can never
    fail half-way on a lock upgrade."""

    @event.listens_for(engine.sync_engine, "connect")
    def _on_connect(dbapi_connection: Any, _record: Any) -> None:
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute(f"PRAGMA busy_timeout={SQLITE_BUSY_TIMEOUT_MS}")
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute("PRAGMA synchronous=NORMAL")
        cursor.close()

    @event.listens_for(engine.sync_engine, "begin")
    def _on_begin(conn: Connection) -> None:
        mode = conn.get_execution_options().get("sqlite_begin", "IMMEDIATE")
        conn.exec_driver_sql(f"BEGIN {mode}")


async def ping(engine: AsyncEngine) -> None:
    """One round trip to the database; raises if it does not answer."""
    async with engine.connect() as conn:
        await conn.execute(text("SELECT 1"))
