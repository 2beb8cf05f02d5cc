"""emporium orders, through Typer's runner, on SQLite and PostgreSQL: the demo's orders
listed, shipped, cancelled and expired as an operator would."""

import asyncio
import json
from datetime import UTC, datetime, timedelta
from uuid import uuid4

import pytest
from typer.testing import CliRunner

from adapters.payments.fake import Entry
from adapters.sqlalchemy.connections import Connections
from adapters.sqlalchemy.engine import create_engine
from adapters.sqlalchemy.gateway_books import SqlGatewayBooks
from domain.shared.money import Currency, Money
from tests.e2e.test_products_cli import emporium, runner  # noqa: F401 (the fixture)


@pytest.fixture
def seeded(runner: CliRunner) -> list[dict]:  # noqa: F811 # type: ignore[type-arg]
    result = emporium(runner, "seed", "demo", "--password", "demo-password-123")
    assert result.exit_code == 0, result.output
    return orders(runner)


def orders(runner: CliRunner, *args: str) -> list[dict]:  # noqa: F811 # type: ignore[type-arg]
    result = emporium(runner, "orders", "list", "--json", *args)
    assert result.exit_code == 0, result.output
    return [json.loads(line) for line in result.stdout.splitlines()]


def by_status(found: list[dict], status: str) -> dict:  # type: ignore[type-arg]
    return next(order for order in found if order["status"] == status)


def test_the_demo_has_an_order_at_each_stage_listed_newest_first(
    runner: CliRunner,  # noqa: F811
    seeded: list[dict],  # type: ignore[type-arg]
) -> None:
    assert sorted(o["status"] for o in seeded) == [
        "cancelled", "delivered", "paid", "pending_payment",
    ]  # fmt: skip
    created = [o["created_at"] for o in seeded]
    assert created == sorted(created, reverse=True)
    assert [o["id"] for o in orders(runner, "--status", "paid")] == [
        by_status(seeded, "paid")["id"]
    ]
    again = emporium(runner, "seed", "demo")
    assert again.exit_code == 0 and len(orders(runner)) == 4
    table = emporium(runner, "orders", "list")
    lines = table.stdout.splitlines()
    assert lines[0].split("\t") == ["id", "customer", "status", "total", "items", "created"]
    assert len(lines) == 5 and all(len(line.split("\t")) == 6 for line in lines)
    customers = {line.split("\t")[1] for line in lines[1:]}  # their emails, not their ids
    assert customers and all(email.endswith("@demo.emporium.dev") for email in customers)


def test_an_operator_ships_a_paid_order_and_cancels_a_pending_one(
    runner: CliRunner,  # noqa: F811
    seeded: list[dict],  # type: ignore[type-arg]
) -> None:
    paid, pending = by_status(seeded, "paid"), by_status(seeded, "pending_payment")
    shipped = emporium(runner, "orders", "ship", paid["id"], "--tracking", "1Z999")
    assert shipped.exit_code == 0, shipped.output
    assert f"Order {paid['id']} is shipped." in shipped.stderr
    cancelled = emporium(runner, "orders", "cancel", pending["id"])
    assert cancelled.exit_code == 0, cancelled.output
    now = {o["id"]: o for o in orders(runner)}
    assert now[paid["id"]]["tracking_number"] == "1Z999"
    assert now[pending["id"]]["cancellation_reason"] == "admin"


def test_illegal_moves_and_unknown_orders_exit_1_with_one_line(
    runner: CliRunner,  # noqa: F811
    seeded: list[dict],  # type: ignore[type-arg]
) -> None:
    delivered = by_status(seeded, "delivered")
    refused = emporium(runner, "orders", "cancel", delivered["id"])
    assert refused.exit_code == 1
    assert refused.stderr.strip() == "error: A delivered order cannot cancel"
    missing = emporium(runner, "orders", "ship", "01a2074a-0000-7000-8000-000000000000")
    assert missing.exit_code == 1 and "No order" in missing.stderr
    assert emporium(runner, "orders", "ship", "not-an-id").exit_code == 2


def test_expire_cancels_what_is_due_once(
    runner: CliRunner,  # noqa: F811
    seeded: list[dict],  # type: ignore[type-arg]
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    nothing = emporium(runner, "orders", "expire")
    assert nothing.exit_code == 0 and "0 unpaid orders expired" in nothing.stderr
    later = datetime.now(UTC) + timedelta(hours=1)
    monkeypatch.setattr("adapters.system.SystemClock.now", lambda self: later)
    due = emporium(runner, "orders", "expire")
    assert due.exit_code == 0 and "1 unpaid orders expired" in due.stderr
    pending = by_status(seeded, "pending_payment")
    expired = {o["id"]: o for o in orders(runner)}[pending["id"]]
    assert (expired["status"], expired["cancellation_reason"]) == ("cancelled", "payment_timeout")
    assert "0 unpaid orders expired" in emporium(runner, "orders", "expire").stderr


def test_payments_reconcile_reports_and_fixes_a_charge_the_shop_never_recorded(
    runner: CliRunner,  # noqa: F811
    seeded: list[dict],  # type: ignore[type-arg]
    database: str,
) -> None:
    clean = emporium(runner, "payments", "reconcile")
    assert clean.exit_code == 0, clean.output
    assert "0 mismatches" in clean.stderr and clean.stdout == ""
    stray = Entry(str(uuid4()), "charge", True, "ch_stray", Money(1999, Currency("USD")))
    asyncio.run(_write_books(database, stray))
    found = emporium(runner, "payments", "reconcile")
    assert found.exit_code == 1
    assert found.stdout.startswith("MISMATCH\tunknown_charge\tcharge ch_stray of 19.99 USD")
    fixed = emporium(runner, "payments", "reconcile", "--fix")
    assert fixed.exit_code == 0 and fixed.stdout.startswith("fixed\tunknown_charge")
    assert emporium(runner, "payments", "reconcile").exit_code == 0


async def _write_books(database: str, entry: Entry) -> None:
    connections = Connections(create_engine(database))
    try:
        await SqlGatewayBooks(connections).write(entry)
    finally:
        await connections.dispose()


def test_an_operator_reads_one_order_and_marks_it_delivered(
    runner: CliRunner,  # noqa: F811
    seeded: list[dict],  # type: ignore[type-arg]
) -> None:
    paid = by_status(seeded, "paid")
    emporium(runner, "orders", "ship", paid["id"])
    delivered = emporium(runner, "orders", "deliver", paid["id"])
    assert delivered.exit_code == 0, delivered.output
    assert f"Order {paid['id']} is delivered." in delivered.stderr
    shown = emporium(runner, "orders", "show", paid["id"])
    assert shown.exit_code == 0, shown.output
    assert json.loads(shown.stdout) == {o["id"]: o for o in orders(runner)}[paid["id"]]
    assert json.loads(shown.stdout)["status"] == "delivered"
    again = emporium(runner, "orders", "deliver", paid["id"])
    assert again.exit_code == 1 and len(again.stderr.strip().splitlines()) == 1
    missing = emporium(runner, "orders", "show", "01a2074a-0000-7000-8000-000000000000")
    assert missing.exit_code == 1 and "No order" in missing.stderr
