"""Emporium against a bare reference server doing the same work, side by side.

    .venv/bin/python benchmarks/harness.py [--database-url URL] [--passes 3]
        [--duration 10] [--connections 64]

Needs PostgreSQL (the default URL is the local server's) and wrk (apt-get install -y
wrk). It makes a throwaway database, migrates it, registers one user and signs a
token, then starts both servers the same way: one uvicorn worker each, pinned to CPU 1,
production settings, no access log. wrk runs pinned to CPU 0 with 64 connections.
Each pass measures every endpoint on both servers, alternating which goes first, and
prints requests per second, p50, p99 and Emporium's ratio to the reference.
"""

import argparse
import asyncio
import os
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

import httpx
from pydantic import SecretStr
from sqlalchemy import make_url, text

from adapters.sqlalchemy import migrator
from adapters.sqlalchemy.engine import create_engine
from application.catalog.commands import ListProducts
from application.catalog.transfer import ImportProducts, ImportRow
from application.users.commands import Register
from entrypoints.container import Container, running
from entrypoints.settings import Settings

ROOT = Path(__file__).resolve().parents[1]
BIN = Path(sys.executable).parent
KEY = "a-benchmark-signing-key-of-32-bytes-or-more!"
PRODUCTS = 10_000
# Each endpoint, and whether it is called signed in (the catalog is browsed anonymously).
SERVER_CPU, LOAD_CPU = "1", "0"


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


async def _prepare(settings: Settings) -> tuple[str, dict[str, bool]]:
    """A signed-in user's token, a catalog of PRODUCTS, and the endpoints to measure."""
    container = Container()
    container.core.settings.override(settings)
    async with running(container):
        user = await container.users.register()(
            Register("bench@example.com", "benchmark-password", "Bench Marker")
        )
        token = container.users.tokens().issue_access(user, container.core.clock().now()).token
        rows = (
            ImportRow(n, f"SKU-{n:06d}", f"Product {n}", "Made by hand.", f"{n % 500}.99", "7")
            for n in range(PRODUCTS)
        )
        async for _ in container.catalog.import_products()(ImportProducts(rows, "benchmark")):
            pass
        page = await container.catalog.list_products()(ListProducts(limit=1))
    endpoints = {
        "/api/v1/users/me": True,
        f"/api/v1/products/{page.items[0].id}": False,
        "/api/v1/products": False,
        "/health/live": False,
    }
    return str(token), endpoints


@contextmanager
def server(command: list[str], env: dict[str, str], port: int) -> Iterator[str]:
    process = subprocess.Popen(
        ["taskset", "-c", SERVER_CPU, *command],
        env=env,
        cwd=ROOT,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
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
                raise SystemExit(f"{command[0]} did not start: {process.stderr.read().decode()}")  # type: ignore[union-attr]
            time.sleep(0.2)
        yield base
    finally:
        os.killpg(process.pid, signal.SIGTERM)
        process.wait(timeout=15)


_UNITS = {"us": 0.001, "ms": 1.0, "s": 1000.0}


def _ms(value: str) -> float:
    number, unit = re.fullmatch(r"([\d.]+)(us|ms|s)", value).groups()  # type: ignore[union-attr]
    return float(number) * _UNITS[unit]


def wrk(url: str, token: str | None, duration: int, connections: int) -> Result:
    signed_in = ["-H", f"Authorization: Bearer {token}"] if token else []
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
            url,
        ],
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    if "Non-2xx" in output or "Socket errors" in output:
        raise SystemExit(f"errors under load at {url}:\n{output}")
    return Result(
        float(re.search(r"Requests/sec:\s+([\d.]+)", output).group(1)),  # type: ignore[union-attr]
        _ms(re.search(r"\s50%\s+(\S+)", output).group(1)),  # type: ignore[union-attr]
        _ms(re.search(r"\s99%\s+(\S+)", output).group(1)),  # type: ignore[union-attr]
    )


def _label(endpoint: str) -> str:
    return re.sub(r"[0-9a-f-]{36}", "{id}", endpoint)


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
    args = parser.parse_args()
    if shutil.which("wrk") is None:
        raise SystemExit("wrk is not installed: apt-get install -y wrk")

    with throwaway_database(args.database_url) as database:
        migrator.upgrade(database)
        settings = Settings(database_url=database, secret_key=SecretStr(KEY), _env_file=None)  # type: ignore[call-arg]
        token, endpoints = asyncio.run(_prepare(settings))
        env = os.environ | {
            "EMPORIUM_ENV": "production",
            "EMPORIUM_SECRET_KEY": KEY,
            "EMPORIUM_DATABASE_URL": database,
            "PYTHONPATH": str(ROOT),
        }
        emporium_port, reference_port = 18001, 18002
        with (
            server(
                [str(BIN / "emporium"), "serve", "--port", str(emporium_port)], env, emporium_port
            ) as emporium,
            server(
                [
                    str(BIN / "uvicorn"),
                    "benchmarks.reference:app",
                    "--port",
                    str(reference_port),
                    "--no-access-log",
                    "--log-level",
                    "warning",
                ],
                env,
                reference_port,
            ) as reference,
        ):
            for base in (emporium, reference):  # warm-up: pools filled, code paths hot
                for endpoint, signed_in in endpoints.items():
                    wrk(base + endpoint, token if signed_in else None, 2, args.connections)
            print(
                f"{'pass':<5}{'endpoint':<24}{'server':<11}{'req/s':>9}{'p50 ms':>9}{'p99 ms':>9}"
            )
            for number in range(1, args.passes + 1):
                for endpoint, signed_in in endpoints.items():
                    order = [("emporium", emporium), ("reference", reference)]
                    results = {}
                    for name, base in order if number % 2 else order[::-1]:
                        results[name] = result = wrk(
                            base + endpoint,
                            token if signed_in else None,
                            args.duration,
                            args.connections,
                        )
                        print(
                            f"{number:<5}{_label(endpoint):<24}{name:<11}"
                            f"{result.requests_per_second:>9.0f}"
                            f"{result.p50_ms:>9.2f}{result.p99_ms:>9.2f}"
                        )
                    mine, theirs = results["emporium"], results["reference"]
                    print(
                        f"{'':<5}{_label(endpoint):<24}{'ratio':<11}"
                        f"{mine.requests_per_second / theirs.requests_per_second:>9.2f}"
                        f"{'':>9}{mine.p99_ms / theirs.p99_ms:>9.2f}  (throughput, p99)"
                    )


if __name__ == "__main__":
    main()
