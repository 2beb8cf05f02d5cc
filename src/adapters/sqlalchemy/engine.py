"""Engines for SQLite (embedded default) and PostgreSQL (production).

Each process has two: one for units of work that write, and a read-only one whose
connections the database itself keeps from writing. SQLAlchemy pools the connections,
``Connections`` lends them, ``Statements`` runs what is sent on them.
"""

from typing import Any

from sqlalchemy import event
from sqlalchemy.engine import Connection
from sqlalchemy.exc import DisconnectionError
from sqlalchemy.ext.asyncio import AsyncEngine, create_async_engine

SQLITE_BUSY_TIMEOUT_MS = 5_000
# A database that does not answer is reported in seconds, not after the driver's minute.
CONNECT_TIMEOUT_SECONDS = 5
POOL_TIMEOUT_SECONDS = 10


def create_engine(url: str, *, read_only: bool = False, **kwargs: Any) -> AsyncEngine:
    if url.startswith("postgresql"):
        connect_args: dict[str, Any] = {"timeout": CONNECT_TIMEOUT_SECONDS}
        if read_only:
            connect_args["server_settings"] = {"default_transaction_read_only": "on"}
        kwargs.setdefault("connect_args", connect_args)
        kwargs.setdefault("pool_timeout", POOL_TIMEOUT_SECONDS)
    engine = create_async_engine(url, **kwargs)
    if engine.dialect.name == "sqlite":
        _tune_sqlite(engine, read_only=read_only)
    else:
        event.listen(engine.sync_engine, "checkout", _refuse_closed)
    return engine


def _refuse_closed(dbapi_connection: Any, _record: Any, _proxy: Any) -> None:
    """A pooled connection the server closed meanwhile (a restart, a failover,
    pg_terminate_backend) is replaced before anyone gets it: the driver noticed the
    socket close, so this costs no round trip."""
    if dbapi_connection.driver_connection.is_closed():
        raise DisconnectionError("the server closed this pooled connection")


def _tune_sqlite(engine: AsyncEngine, *, read_only: bool) -> None:
    """WAL lets readers and one writer work at once, across processes too; the busy timeout
    makes a writer wait for the lock instead of failing. The driver's own transaction
    handling is switched off so that SQLAlchemy emits BEGIN itself: IMMEDIATE for
    writers, so a transaction that will write holds the write lock from its start and
    can never fail half-way on a lock upgrade."""
    begin = "BEGIN DEFERRED" if read_only else "BEGIN IMMEDIATE"

    @event.listens_for(engine.sync_engine, "connect")
    def _on_connect(dbapi_connection: Any, _record: Any) -> None:
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute(f"PRAGMA busy_timeout={SQLITE_BUSY_TIMEOUT_MS}")
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute("PRAGMA synchronous=NORMAL")
        if read_only:
            cursor.execute("PRAGMA query_only=ON")
        cursor.close()

    @event.listens_for(engine.sync_engine, "begin")
    def _on_begin(conn: Connection) -> None:
        conn.exec_driver_sql(begin)
