"""Migrations: up, down step by step, and up again on an empty database; and the tables
in the code match what the migrations build (an autogenerate diff is empty)."""

import asyncio
from pathlib import Path

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import inspect

from adapters.sqlalchemy import migrator
from adapters.sqlalchemy.engine import create_engine
from adapters.sqlalchemy.schema import metadata, objects_on
from tests.conftest import sqlite_url


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def empty_database(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    if request.param == "sqlite":
        return sqlite_url(tmp_path / "empty.db")
    return str(request.getfixturevalue("empty_postgres_db"))


def _revisions() -> list[str]:
    script = ScriptDirectory.from_config(migrator.alembic_config("sqlite://"))
    return [r.revision for r in reversed(list(script.walk_revisions()))]


async def _inspect(url: str) -> tuple[set[str], list[object]]:
    engine = create_engine(url)
    try:
        async with engine.connect() as conn:

            def read(sync_conn):  # type: ignore[no-untyped-def]
                opts = {"compare_type": True, "include_object": objects_on(sync_conn.dialect.name)}
                context = MigrationContext.configure(sync_conn, opts=opts)
                tables = set(inspect(sync_conn).get_table_names()) - {"alembic_version"}
                return tables, compare_metadata(context, metadata)

            return await conn.run_sync(read)
    finally:
        await engine.dispose()


def test_migrations_go_up_down_and_up_again(empty_database: str) -> None:
    revisions = _revisions()
    assert revisions, "no migrations found"
    for revision in revisions:
        migrator.upgrade(empty_database, revision)
    for revision in reversed(["base", *revisions[:-1]]):
        migrator.downgrade(empty_database, revision)
    assert asyncio.run(_inspect(empty_database))[0] == set()
    migrator.upgrade(empty_database)
    assert asyncio.run(_inspect(empty_database))[0] == set(metadata.tables)


def test_the_tables_in_code_match_the_migrations(empty_database: str) -> None:
    migrator.upgrade(empty_database)
    assert asyncio.run(_inspect(empty_database))[1] == []
