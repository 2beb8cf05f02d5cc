"""Emporium against a bare reference server doing the same work, side by side.

    .venv/bin/python benchmarks/harness.py [--database-url URL] [--passes 3]
        [--duration 10] [--connections 64] [--only TEXT]

Needs PostgreSQL (the default URL is the local server's) and wrk (apt-get install -y
wrk). It makes a throwaway database, migrates it, registers 40 customers, signs a
token for each and imports 10,000 products, then starts both servers the same way: one
uvicorn worker each, pinned to CPU 1, production settings, no access log, no proxy
headers. wrk runs pinned to CPU 0 with 64 connections. The load is spread as real
traffic is: each request reads a product drawn from all 10,000, a page after a cursor
drawn from anywhere in the catalog, or the account of one of the 40 customers
(``paths.lua``); each order is placed by one of them, for two random products
(``checkout.lua``). Each pass measures every endpoint on both servers, alternating
which goes first, and prints requests per second, p50, p99 and Emporium's ratio to the
reference. After each server's checkout the database is checkpointed and every
product's stock and ledger are checked against what was sold.
"""

import argparse
import asyncio
import os
import random
import re
import shutil
import signal
import subprocess
import sys
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from tempfile import TemporaryDirectory
from typing import Any

import httpx
from pydantic import SecretStr
from sqlalchemy import Row, make_url, text

from adapters.sqlalchemy import migrator
from adapters.sqlalchemy.engine import create_engine
from application.catalog.transfer import ImportProducts, ImportRow
from application.shared.actor import Actor
from application.users.commands import Register
from entrypoints.container import Container, running
from entrypoints.cursors import CursorCodec
from entrypoints.settings import Settings

ROOT = Path(__file__).resolve().parents[1]
BIN = Path(sys.executable).parent
KEY = "a-benchmark-signing-key-of-32-bytes-or-more!"
PRODUCTS = 10_000
STOCK = 1_000_000  # of each product: more than every run's orders take, so none is refused
CUSTOMERS = 40  # who place the orders, each with a token of their own
CURSORS = 500  # pages, anywhere in the catalog
SERVER_CPU, LOAD_CPU = "1", "0"


@dataclass(frozen=True)
class Endpoint:
    label: str
    path: str
    signed_in: bool  # with the first customer's token (a script may draw its own)
    script: tuple[str, ...] = ()  # a wrk Lua script making each request, and its arguments
    writes: bool = False  # its writes are checkpointed before the next measurement


@dataclass(frozen=True)
class Result:
    requests_per_second: float
    p50_ms: float
    p99_ms: float


async def _admin(server_url: str, statement: str) -> None:
    engine = create_engine(server_url, isolation_level="AUTOCOMMIT")
    async with engine.connect() as conn:
        await conn.execute(text(statement))
    await engine.dispose()


@contextmanager
def throwaway_database(server_url: str) -> Iterator[str]:
    name = f"emporium_bench_{uuid.uuid4().hex[:8]}"
    asyncio.run(_admin(server_url, f'CREATE DATABASE "{name}"'))
    try:
        yield make_url(server_url).set(database=name).render_as_string(hide_password=False)
    finally:
        asyncio.run(_admin(server_url, f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))


async def prepare(settings: Settings) -> tuple[list[str], list[str], list[str]]:
    """CUSTOMERS signed-in customers' tokens, a catalog of PRODUCTS (their ids), and
    CURSORS cursors to pages anywhere in it, as the API gives them out."""
    container = Container()
    container.core.settings.override(settings)
    async with running(container):
        tokens = []
        for n in range(CUSTOMERS):
            user = await container.users.register()(
                Register(f"bench{n}@example.com", "benchmark-password", "Bench Marker")
            )
            now = container.core.clock().now()
            tokens.append(container.users.tokens().issue_access(user, now).token)
        rows = (
            ImportRow(
                n, f"SKU-{n:06d}", f"Product {n}", "Made by hand.", f"{n % 500}.99", str(STOCK)
            )
            for n in range(PRODUCTS)
        )
        async for _ in container.catalog.import_products()(
            ImportProducts(Actor.operator(), rows, "benchmark")
        ):
            pass
    rows = await _query(
        settings.database_url,
        "SELECT created_at, id FROM products ORDER BY created_at DESC, id DESC",
    )
    codec = CursorCodec(settings.signing_key)
    # A page starts after any product but the last 20 (a cursor the API would give out).
    cursors = [
        codec.encode(tuple(rows[n]), "products:-created_at")
        for n in random.Random(0).sample(range(len(rows) - 20), CURSORS)  # noqa: S311 (a load)
    ]
    return tokens, [str(product_id) for (_, product_id) in rows], cursors  # type: ignore[misc]


def measured_endpoints(
    product_ids: list[str], tokens: list[str], cursors: list[str], scratch: Path
) -> list[Endpoint]:
    """What is measured, each request drawn at random from files: products, pages,
    customers' tokens."""
    files = {
        "products": [f"/api/v1/products/{product_id}" for product_id in product_ids],
        "pages": [f"/api/v1/products?cursor={cursor}" for cursor in cursors],
        "me": ["/api/v1/users/me"],
        "ids": product_ids,
        "tokens": tokens,
    }
    for name, lines in files.items():
        (scratch / name).write_text("".join(f"{line}\n" for line in lines))
    reads, checkout = (
        str(ROOT / "benchmarks" / "paths.lua"),
        str(ROOT / "benchmarks" / "checkout.lua"),
    )
    return [
        Endpoint(
            "GET /users/me",
            "/",
            signed_in=False,
            script=(reads, str(scratch / "me"), str(scratch / "tokens")),
        ),
        Endpoint(
            "GET /products/{id}", "/", signed_in=False, script=(reads, str(scratch / "products"))
        ),
        Endpoint("GET /products", "/api/v1/products", signed_in=False),
        Endpoint(
            "GET /products?cursor", "/", signed_in=False, script=(reads, str(scratch / "pages"))
        ),
        Endpoint("GET /health/live", "/health/live", signed_in=False),
        Endpoint(
            "POST /orders",
            "/api/v1/orders",
            signed_in=True,
            script=(checkout, str(scratch / "ids"), str(scratch / "tokens")),
            writes=True,
        ),
    ]


async def _query(database: str, statement: str, **parameters: object) -> list[Row[Any]]:
    engine = create_engine(database)
    async with engine.connect() as conn:
        rows = list(await conn.execute(text(statement), parameters))
    await engine.dispose()
    return rows


def check_stock(database: str, server: str) -> None:
    """Every product's stock is STOCK less what its order lines took (no oversell, no lost
    update), its ledger adds up to it, and every order has its order.placed event in the
    outbox: checked after each server's orders."""
    ((orders, wrong, unledgered, eventless),) = asyncio.run(
        _query(
            database,
            "WITH sold AS (SELECT product_id, sum(quantity) AS units FROM order_lines "
            "GROUP BY product_id), "
            "ledger AS (SELECT product_id, sum(delta) AS total FROM stock_movements "
            "GROUP BY product_id) "
            "SELECT (SELECT count(*) FROM orders), "
            "count(*) FILTER (WHERE p.stock <> :stock - coalesce(s.units, 0)), "
            "count(*) FILTER (WHERE p.stock <> l.total), "
            "(SELECT count(*) FROM orders o WHERE NOT EXISTS (SELECT FROM outbox e "
            "WHERE e.subject_id = o.id AND e.type = 'order.placed')) "
            "FROM products p LEFT JOIN sold s ON s.product_id = p.id "
            "LEFT JOIN ledger l ON l.product_id = p.id",
            stock=STOCK,
        )
    )
    print(
        f"     after {server}'s orders: {orders} orders in all; products whose stock is not "
        f"{STOCK:,} less what was sold: {wrong}; whose ledger does not add up: {unledgered}; "
        f"orders without their event: {eventless}"
    )
    if wrong or unledgered or eventless:
        raise SystemExit(f"stock went wrong under {server}'s load")


@contextmanager
def server(command: list[str], env: dict[str, str], port: int, log: Path) -> Iterator[str]:
    """The server, its output (the audit log of every order too) going to ``log``: a pipe
    nobody reads would fill, and stop it."""
    with log.open("wb") as output:
        process = subprocess.Popen(
            ["taskset", "-c", SERVER_CPU, *command],
            env=env,
            cwd=ROOT,
            stdout=output,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 30
        while True:
            try:
                if httpx.get(f"{base}/health/live", timeout=1).status_code == 200:
                    break
            except httpx.TransportError:
                pass
            if process.poll() is not None or time.monotonic() > deadline:
                raise SystemExit(f"{command[0]} did not start: {log.read_text()}")
            time.sleep(0.2)
        yield base
    finally:
        os.killpg(process.pid, signal.SIGTERM)
        process.wait(timeout=15)


_UNITS = {"us": 0.001, "ms": 1.0, "s": 1000.0}


def _ms(value: str) -> float:
    number, unit = re.fullmatch(r"([\d.]+)(us|ms|s)", value).groups()  # type: ignore[union-attr]
    return float(number) * _UNITS[unit]


def wrk(url: str, endpoint: Endpoint, token: str, duration: int, connections: int) -> Result:
    signed_in = ["-H", f"Authorization: Bearer {token}"] if endpoint.signed_in else []
    script, *arguments = endpoint.script or ("",)
    output = subprocess.run(
        [
            "taskset",
            "-c",
            LOAD_CPU,
            "wrk",
            "-t1",
            f"-c{connections}",
            f"-d{duration}s",
            "--latency",
            *signed_in,
            *(["-s", script] if script else []),
            url + endpoint.path,
            *(["--", *arguments] if arguments else []),
        ],
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    if "Non-2xx" in output or "Socket errors" in output:
        raise SystemExit(f"errors under load at {url}{endpoint.path}:\n{output}")
    return Result(
        float(re.search(r"Requests/sec:\s+([\d.]+)", output).group(1)),  # type: ignore[union-attr]
        _ms(re.search(r"\s50%\s+(\S+)", output).group(1)),  # type: ignore[union-attr]
        _ms(re.search(r"\s99%\s+(\S+)", output).group(1)),  # type: ignore[union-attr]
    )


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument(
        "--database-url", default="postgresql+asyncpg://root@127.0.0.1:5432/postgres"
    )
    parser.add_argument("--passes", type=int, default=3)
    parser.add_argument("--duration", type=int, default=10, help="seconds per measurement")
    parser.add_argument("--connections", type=int, default=64)
    parser.add_argument(
        "--only", default="", help="measure only the endpoints whose label has this text"
    )
    args = parser.parse_args()
    if shutil.which("wrk") is None:
        raise SystemExit("wrk is not installed: apt-get install -y wrk")

    with throwaway_database(args.database_url) as database, TemporaryDirectory() as scratch:
        migrator.upgrade(database)
        settings = Settings(database_url=database, secret_key=SecretStr(KEY), _env_file=None)  # type: ignore[call-arg]
        tokens, product_ids, cursors = asyncio.run(prepare(settings))
        token = tokens[0]
        endpoints = [
            e
            for e in measured_endpoints(product_ids, tokens, cursors, Path(scratch))
            if args.only in e.label
        ]
        env = os.environ | {
            "EMPORIUM_ENV": "production",
            "EMPORIUM_SECRET_KEY": KEY,
            "EMPORIUM_DATABASE_URL": database,
            "EMPORIUM_PAYMENT_GATEWAY": "fake",
            # The limiter counts every request, as in production, but the load's one
            # address must not be refused: what is measured is the cost of counting.
            "EMPORIUM_RATE_LIMIT_CATALOG": "999999999/60",
            "EMPORIUM_RATE_LIMIT_ORDERS": "999999999/60",
            # Both servers lock the customer and count their unpaid orders; the load's
            # one customer places thousands.
            "EMPORIUM_ORDER_MAX_PENDING": "1000000",
            # Both write each order's event to the outbox; neither relays it (production
            # runs `emporium worker` processes for that, on cores of their own).
            "EMPORIUM_WORKER_IN_PROCESS": "false",
            "PYTHONPATH": str(ROOT),
        }
        emporium_port, reference_port = 18001, 18002
        with (
            server(
                [str(BIN / "emporium"), "serve", "--port", str(emporium_port)],
                env,
                emporium_port,
                Path(scratch) / "emporium.log",
            ) as emporium,
            server(
                [
                    str(BIN / "uvicorn"),
                    "benchmarks.reference:app",
                    "--port",
                    str(reference_port),
                    "--no-access-log",
                    "--no-proxy-headers",  # as `emporium serve` without trusted proxies
                    "--log-level",
                    "warning",
                ],
                env,
                reference_port,
                Path(scratch) / "reference.log",
            ) as reference,
        ):
            for base in (emporium, reference):  # warm-up: pools filled, code paths hot
                for endpoint in endpoints:
                    wrk(base, endpoint, token, 2, args.connections)
            print(
                f"{'pass':<5}{'endpoint':<24}{'server':<11}{'req/s':>9}{'p50 ms':>9}{'p99 ms':>9}"
            )
            for number in range(1, args.passes + 1):
                for endpoint in endpoints:
                    order = [("emporium", emporium), ("reference", reference)]
                    results = {}
                    for name, base in order if number % 2 else order[::-1]:
                        results[name] = result = wrk(
                            base, endpoint, token, args.duration, args.connections
                        )
                        print(
                            f"{number:<5}{endpoint.label:<24}{name:<11}"
                            f"{result.requests_per_second:>9.0f}"
                            f"{result.p50_ms:>9.2f}{result.p99_ms:>9.2f}"
                        )
                        if endpoint.writes:  # its dirty pages are flushed on no one's time
                            asyncio.run(_admin(database, "CHECKPOINT"))
                            check_stock(database, name)
                    mine, theirs = results["emporium"], results["reference"]
                    print(
                        f"{'':<5}{endpoint.label:<24}{'ratio':<11}"
                        f"{mine.requests_per_second / theirs.requests_per_second:>9.2f}"
                        f"{'':>9}{mine.p99_ms / theirs.p99_ms:>9.2f}  (throughput, p99)"
                    )


if __name__ == "__main__":
    main()
