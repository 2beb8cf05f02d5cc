"""The catalog at 100,000 products: how long `emporium products import` takes, and how
fast a page and a search answer, on SQLite and on PostgreSQL.

    .venv/bin/python benchmarks/catalog.py [--rows N] [--postgres-url URL]

Generates a CSV of N products (100,000 by default), imports it with the real CLI into
a fresh SQLite file (and, when --postgres-url names a server, a fresh PostgreSQL
database on it), then times GET /api/v1/products through the whole app (ASGI, no
network): the first page, a page deep in price order, a search that matches many
products, one that matches one, and one that matches none (the worst case: every row
looked at, unless an index answers).
"""

import argparse
import asyncio
import csv
import os
import random
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import httpx
from pydantic import SecretStr

from adapters.sqlalchemy import migrator
from entrypoints.api.app import create_app
from entrypoints.container import Container
from entrypoints.settings import Settings
from harness import throwaway_database  # beside this script

SECRET = "a-benchmark-signing-key-of-32-bytes!"
WORDS = ("enamel", "oak", "linen", "stoneware", "beeswax", "copper", "glass", "wool", "walnut")
THINGS = ("mug", "bowl", "plate", "board", "candle", "teapot", "napkin", "jug", "vase", "tray")
REQUESTS = 200


def write_catalog(path: Path, rows: int) -> None:
    chance = random.Random(7)  # noqa: S311 (made-up products, the same every run)
    with path.open("w", newline="", encoding="utf-8") as out:
        writer = csv.writer(out)
        writer.writerow(["sku", "name", "description", "price", "stock"])
        for n in range(rows):
            word, thing = chance.choice(WORDS), chance.choice(THINGS)
            writer.writerow(
                [
                    f"SKU-{n:07d}",
                    f"{word.title()} {thing} no. {n}",
                    f"A {word} {thing}, made by hand. Item {n}.",
                    f"{chance.randint(100, 50_000) / 100:.2f}",
                    chance.randint(0, 200),
                ]
            )


def import_with_cli(csv_path: Path, database_url: str) -> float:
    environment = os.environ | {
        "EMPORIUM_DATABASE_URL": database_url,
        "EMPORIUM_SECRET_KEY": SECRET,
    }
    started = time.perf_counter()
    result = subprocess.run(
        [str(Path(sys.executable).with_name("emporium")), "products", "import", str(csv_path)],
        env=environment,
        capture_output=True,
        text=True,
        check=False,
    )
    elapsed = time.perf_counter() - started
    if result.returncode != 0:
        raise SystemExit(f"import failed: {result.stderr[-2000:]}")
    print(f"  import: {elapsed:6.1f} s   ({result.stderr.strip().splitlines()[-1]})")
    return elapsed


def summary(name: str, samples: list[float]) -> str:
    ms = sorted(s * 1000 for s in samples)
    p95 = ms[int(len(ms) * 0.95) - 1]
    return f"  {name:<34} median {statistics.median(ms):7.2f} ms   p95 {p95:7.2f} ms"


async def time_queries(database_url: str) -> None:
    settings = Settings(
        database_url=database_url,
        secret_key=SecretStr(SECRET),
        _env_file=None,  # type: ignore[call-arg]
    )
    app = create_app(_container(settings))
    transport = httpx.ASGITransport(app=app)
    async with (
        app.router.lifespan_context(app),
        httpx.AsyncClient(transport=transport, base_url="http://bench") as client,
    ):
        deep = await _cursor_after(client, pages=50)
        cases = {
            "first page (newest, 20)": {},
            "page 51 by price (cursor)": {"sort": "price", "cursor": deep},
            "search 'walnut' (many match)": {"q": "walnut"},
            "search 'no. 77777' (one matches)": {"q": "no. 77777"},
            "search 'zzzz' (none match)": {"q": "zzzz"},
            "search + price + in stock": {"q": "oak", "min_price": "100.00", "in_stock": "true"},
        }
        for name, params in cases.items():
            samples = []
            for _ in range(REQUESTS):
                started = time.perf_counter()
                response = await client.get("/api/v1/products", params=params)
                samples.append(time.perf_counter() - started)
                assert response.status_code == 200, response.text
            print(summary(name, samples))


def _container(settings: Settings) -> Container:
    container = Container()
    container.core.settings.override(settings)
    return container


async def _cursor_after(client: httpx.AsyncClient, pages: int) -> str:
    cursor = None
    for _ in range(pages):
        params = {"sort": "price"} | ({"cursor": cursor} if cursor else {})
        cursor = (await client.get("/api/v1/products", params=params)).json()["next_cursor"]
    assert cursor is not None
    return cursor


def measure(name: str, csv_path: Path, database_url: str) -> None:
    print(f"{name}:")
    migrator.upgrade(database_url)
    import_with_cli(csv_path, database_url)
    asyncio.run(time_queries(database_url))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=100_000)
    parser.add_argument("--postgres-url", help="e.g. postgresql+asyncpg://root@127.0.0.1/postgres")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as work:
        csv_path = Path(work) / "catalog.csv"
        write_catalog(csv_path, args.rows)
        print(f"{args.rows:,} products, {csv_path.stat().st_size / 1e6:.1f} MB of CSV")
        measure("SQLite", csv_path, f"sqlite+aiosqlite:///{work}/shop.db")
        if args.postgres_url:
            with throwaway_database(args.postgres_url) as url:
                measure("PostgreSQL", csv_path, url)


if __name__ == "__main__":
    main()
