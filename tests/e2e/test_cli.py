"""The admin CLI through Typer's runner, against a real (temporary) SQLite database."""

import asyncio
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from standardwebhooks import Webhook
from typer.testing import CliRunner

from entrypoints.cli.main import app
from tests.conftest import sqlite_url
from tests.peers import WebhookReceiver

SECRET = "a-cli-test-signing-key-of-32-bytes-plus"


@pytest.fixture
def runner(sqlite_db: str, monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> CliRunner:
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("EMPORIUM_DATABASE_URL", sqlite_db)
    monkeypatch.setenv("EMPORIUM_SECRET_KEY", SECRET)
    return CliRunner()


def emporium(runner: CliRunner, *args: str, input: str | None = None):  # type: ignore[no-untyped-def]
    return runner.invoke(app, list(args), input=input)


def test_create_admin_prompts_twice_for_a_hidden_password(
    runner: CliRunner, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr("entrypoints.cli.users.interactive", lambda: True)  # a terminal
    result = emporium(
        runner,
        "users",
        "create-admin",
        "--email",
        "Boss@Example.com",
        input="s3cret-pass\ns3cret-pass\n",
    )
    assert result.exit_code == 0, result.output
    assert "s3cret-pass" not in result.output
    listed = emporium(runner, "users", "list", "--json")
    assert [json.loads(line)["email"] for line in listed.stdout.splitlines()] == [
        "boss@example.com"
    ]
    assert json.loads(listed.stdout)["role"] == "admin"


def test_create_admin_twice_is_harmless(runner: CliRunner) -> None:
    first = emporium(
        runner, "users", "create-admin", "--email", "boss@example.com", "--password", "s3cret-pass"
    )
    again = emporium(
        runner, "users", "create-admin", "--email", "boss@example.com", "--password", "other-pass"
    )
    assert (first.exit_code, again.exit_code) == (0, 0)
    assert "already" in again.stderr


def test_create_admin_over_a_customer_is_refused(runner: CliRunner) -> None:
    emporium(
        runner, "users", "create-admin", "--email", "boss@example.com", "--password", "s3cret-pass"
    )
    emporium(runner, "users", "set-role", "boss@example.com", "customer")  # refused: last admin
    emporium(
        runner, "users", "create-admin", "--email", "two@example.com", "--password", "s3cret-pass"
    )
    emporium(runner, "users", "set-role", "boss@example.com", "customer")
    result = emporium(
        runner, "users", "create-admin", "--email", "boss@example.com", "--password", "x" * 8
    )
    assert result.exit_code == 1
    assert "registered already" in result.stderr and "Traceback" not in result.output


def test_a_short_password_is_refused_with_a_message(runner: CliRunner) -> None:
    result = emporium(
        runner, "users", "create-admin", "--email", "boss@example.com", "--password", "short"
    )
    assert result.exit_code == 1 and "8 to 128" in result.stderr


def test_roles_and_activation_follow_the_api_rules(runner: CliRunner) -> None:
    emporium(
        runner, "users", "create-admin", "--email", "boss@example.com", "--password", "s3cret-pass"
    )
    emporium(
        runner, "users", "create-admin", "--email", "help@example.com", "--password", "s3cret-pass"
    )

    assert emporium(runner, "users", "set-role", "help@example.com", "customer").exit_code == 0
    last = emporium(runner, "users", "deactivate", "boss@example.com")
    assert last.exit_code == 1 and "last active admin" in last.stderr
    assert emporium(runner, "users", "deactivate", "help@example.com").exit_code == 0
    assert emporium(runner, "users", "activate", "help@example.com").exit_code == 0

    rows = [
        json.loads(line) for line in emporium(runner, "users", "list", "--json").stdout.splitlines()
    ]
    assert {(r["email"], r["role"], r["is_active"]) for r in rows} == {
        ("boss@example.com", "admin", True),
        ("help@example.com", "customer", True),
    }
    customers = emporium(
        runner, "users", "list", "--role", "customer", "--json"
    ).stdout.splitlines()
    assert [json.loads(line)["email"] for line in customers] == ["help@example.com"]


def test_the_table_lists_users(runner: CliRunner, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("COLUMNS", "200")
    emporium(
        runner, "users", "create-admin", "--email", "boss@example.com", "--password", "s3cret-pass"
    )
    result = emporium(runner, "users", "list")
    assert result.exit_code == 0 and "boss@example.com" in result.stdout


def test_an_unknown_email_is_an_error(runner: CliRunner) -> None:
    result = emporium(runner, "users", "deactivate", "ghost@example.com")
    assert result.exit_code == 1 and "ghost@example.com" in result.stderr


def test_a_bad_role_is_a_usage_error(runner: CliRunner) -> None:
    assert emporium(runner, "users", "set-role", "a@example.com", "king").exit_code == 2


def test_migrations_from_any_directory(
    runner: CliRunner, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.setenv("EMPORIUM_DATABASE_URL", sqlite_url(tmp_path / "fresh.db"))
    upgraded = emporium(runner, "db", "upgrade")
    assert upgraded.exit_code == 0 and "migrated to 00" in upgraded.stderr
    assert upgraded.stderr.strip().endswith("(head)")
    assert "(head)" in emporium(runner, "db", "current").stdout
    assert emporium(runner, "db", "downgrade", "base").exit_code == 0
    assert "0001" not in emporium(runner, "db", "current").stdout


@pytest.mark.parametrize(
    "database", ["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)]
)
def test_an_unmigrated_database_is_explained(
    runner: CliRunner,
    monkeypatch: pytest.MonkeyPatch,
    tmp_path: Path,
    database: str,
    request: pytest.FixtureRequest,
) -> None:
    blank = (
        sqlite_url(tmp_path / "blank.db")
        if database == "sqlite"
        else str(request.getfixturevalue("empty_postgres_db"))
    )
    monkeypatch.setenv("EMPORIUM_DATABASE_URL", blank)
    for command in (["users", "list"], ["orders", "list"], ["products", "list"]):
        result = emporium(runner, *command)
        assert result.exit_code == 1, result.output
        assert result.stderr == "error: the database is not migrated: run 'emporium db upgrade'\n"


def test_without_a_database_setting_nothing_is_made_by_accident(
    runner: CliRunner, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    """Outside the project, with no EMPORIUM_DATABASE_URL: a command says there is no
    database where it looked, and makes none; db upgrade makes it, saying where."""
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    monkeypatch.chdir(elsewhere)
    monkeypatch.delenv("EMPORIUM_DATABASE_URL")
    refused = emporium(runner, "users", "list")
    assert refused.exit_code == 1
    assert f"no database at {elsewhere / 'emporium.db'}" in refused.stderr
    assert "EMPORIUM_DATABASE_URL is not set" in refused.stderr
    assert list(elsewhere.iterdir()) == [] or not (elsewhere / "emporium.db").exists()

    made = emporium(runner, "db", "upgrade")
    assert made.exit_code == 0
    assert f"database: {elsewhere / 'emporium.db'} (EMPORIUM_DATABASE_URL is not set)" in (
        made.stderr
    )
    listed = emporium(runner, "users", "list")
    assert listed.exit_code == 0 and f"database: {elsewhere / 'emporium.db'}" in listed.stderr


# What a command need not import, when no setting asks for it: the web framework and
# what dependency-injector would wire into it, Redis, the broker, SMTP, HTTP.
UNNEEDED = {
    *("fastapi", "starlette", "werkzeug", "yaml"),
    *("redis", "aio_pika", "aiosmtplib", "jinja2", "httpx"),
}


def test_a_command_imports_only_what_it_uses(sqlite_db: str, tmp_path: Path) -> None:
    """Start-up time: the modules a database command did not use were a second of it."""
    script = (
        "import sys\n"
        "from entrypoints.cli.main import app\n"
        "try:\n"
        "    app(['users', 'list'])\n"
        "except SystemExit:\n"
        "    pass\n"
        f"print(sorted({{m.split('.')[0] for m in sys.modules}} & {UNNEEDED!r}))\n"
    )
    env = os.environ | {"EMPORIUM_DATABASE_URL": sqlite_db, "EMPORIUM_SECRET_KEY": SECRET}
    done = subprocess.run(
        [sys.executable, "-c", script], env=env, cwd=tmp_path, capture_output=True, text=True
    )
    assert done.stdout.splitlines()[-1] == "[]", done.stderr


def test_production_refuses_to_run_without_a_strong_key(
    runner: CliRunner, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("EMPORIUM_ENV", "production")
    monkeypatch.delenv("EMPORIUM_SECRET_KEY")
    missing = emporium(runner, "users", "list")
    monkeypatch.setenv("EMPORIUM_SECRET_KEY", "too-short")
    short = emporium(runner, "users", "list")
    assert (missing.exit_code, short.exit_code) == (1, 1)
    assert "EMPORIUM_SECRET_KEY" in missing.stderr and "32 bytes" in short.stderr


def test_an_unknown_revision_is_explained(runner: CliRunner) -> None:
    result = emporium(runner, "db", "downgrade", "nonexistent")
    assert result.exit_code == 1 and "migrations:" in result.stderr


def test_an_unreachable_database_is_explained(
    runner: CliRunner, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("EMPORIUM_DATABASE_URL", "postgresql+asyncpg://nobody@127.0.0.1:1/none")
    for command in (["db", "upgrade"], ["users", "list"]):
        result = emporium(runner, *command)
        assert result.exit_code == 1 and "database" in result.stderr, result.output


def test_cli_actions_are_in_the_audit_trail_the_worker_writes(runner: CliRunner) -> None:
    emporium(
        runner, "users", "create-admin", "--email", "boss@example.com", "--password", "s3cret-pass"
    )
    emporium(
        runner, "users", "create-admin", "--email", "help@example.com", "--password", "s3cret-pass"
    )
    emporium(runner, "users", "set-role", "help@example.com", "customer")

    listed = emporium(runner, "events", "list", "--json")
    events = [json.loads(line) for line in listed.stdout.splitlines()]
    assert [e["type"] for e in events] == ["user.updated", "user.registered", "user.registered"]
    assert {e["actor"] for e in events} == {"operator"}
    assert events[0]["data"]["email"] == "help@example.com"
    assert events[0]["data"]["role"] == "customer"

    worked = emporium(runner, "worker", "--once")
    assert worked.exit_code == 0, worked.stderr
    audit = [json.loads(line) for line in worked.stderr.splitlines() if line.startswith("{")]
    assert [(a["type"], a["actor"]) for a in audit] == [
        ("user.registered", "operator"),
        ("user.registered", "operator"),
        ("user.updated", "operator"),
    ]
    assert "s3cret-pass" not in listed.stdout + worked.stderr
    status = emporium(runner, "outbox", "status")
    assert "undispatched events\t0" in status.stdout


def test_webhook_endpoints_from_the_cli(runner: CliRunner, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("EMPORIUM_WEBHOOK_ALLOWED_NETWORKS", "127.0.0.0/8")
    with WebhookReceiver() as hooks:
        added = emporium(runner, "webhooks", "add", hooks.url, "-e", "user.registered")
        assert added.exit_code == 0, added.output
        endpoint_id, secret = added.stdout.strip().split("\t")
        assert secret.startswith("whsec_") and "not shown again" in added.stderr
        pinged = emporium(runner, "webhooks", "ping", endpoint_id)
        assert pinged.exit_code == 0 and "on its way" in pinged.stderr

        emporium(runner, "users", "create-admin", "--email", "a@example.com", "--password", "p" * 9)
        assert emporium(runner, "worker", "--once").exit_code == 0
        events = {
            Webhook(secret).verify(body, headers)["type"]: body
            for _, headers, body in hooks.requests
        }
        assert set(events) == {"webhook.ping", "user.registered"}
        pings = emporium(runner, "events", "list", "--type", "webhook.ping", "--json")
        assert json.loads(pings.stdout)["subject_id"] == endpoint_id
        assert json.loads(events["user.registered"])["data"]["email"] == "a@example.com"

        rows = emporium(runner, "webhooks", "deliveries", endpoint_id).stdout.splitlines()[1:]
        by_type = {row.split("\t")[2]: row.split("\t") for row in rows}
        assert {t: row[5] for t, row in by_type.items()} == {
            "webhook.ping": "succeeded",
            "user.registered": "succeeded",
        }
        delivery_id = by_type["user.registered"][0]
        assert emporium(runner, "webhooks", "redeliver", endpoint_id, delivery_id).exit_code == 0
        assert emporium(runner, "worker", "--once").exit_code == 0
        assert len(hooks.requests) == 3

        assert emporium(runner, "webhooks", "disable", endpoint_id).exit_code == 0
        listed = emporium(runner, "webhooks", "list").stdout.splitlines()
        assert listed[1].split("\t")[:4] == [endpoint_id, hooks.url, "user.registered", "no"]
        emporium(runner, "webhooks", "ping", endpoint_id)
        assert emporium(runner, "worker", "--once").exit_code == 0
        assert len(hooks.requests) == 3  # a disabled endpoint gets nothing
        assert emporium(runner, "webhooks", "delete", endpoint_id).exit_code == 0
        gone = emporium(runner, "webhooks", "delete", endpoint_id)
        assert gone.exit_code == 1 and f"No webhook endpoint {endpoint_id}" in gone.stderr


def test_a_bad_webhook_is_one_line_and_an_exit_code(runner: CliRunner) -> None:
    bad = emporium(runner, "webhooks", "add", "ftp://example.com", "-e", "*")
    assert bad.exit_code != 0 and len(bad.stderr.strip().splitlines()) == 1
    assert "https or http" in bad.stderr
    assert emporium(runner, "webhooks", "list").stdout.splitlines()[1:] == []


def test_create_admin_without_a_terminal_reads_stdin_or_the_variable_never_prompts(
    runner: CliRunner, monkeypatch: pytest.MonkeyPatch
) -> None:
    refused = emporium(runner, "users", "create-admin", "--email", "a@example.com")
    assert refused.exit_code == 1
    assert refused.stderr.strip() == (
        "error: no password: pass --password-stdin or set EMPORIUM_ADMIN_PASSWORD"
    )
    piped = emporium(
        runner,
        "users",
        "create-admin",
        "--email",
        "a@example.com",
        "--password-stdin",
        input="from-a-pipe\n",
    )
    assert piped.exit_code == 0, piped.output
    monkeypatch.setenv("EMPORIUM_ADMIN_PASSWORD", "from-the-env")
    assert emporium(runner, "users", "create-admin", "--email", "b@example.com").exit_code == 0
    assert signs_in("a@example.com", "from-a-pipe") and signs_in("b@example.com", "from-the-env")


def signs_in(email: str, password: str) -> bool:
    """Whether the account takes the password, through the same use case as the API."""
    from application.users.commands import SignIn
    from application.users.errors import InvalidCredentials
    from entrypoints.cli.common import settings
    from entrypoints.container import Container, running

    async def attempt() -> bool:
        container = Container()
        container.core.settings.override(settings())
        async with running(container):
            try:
                await container.users.sign_in()(SignIn(email, password, "test"))
            except InvalidCredentials:
                return False
        return True

    return asyncio.run(attempt())
