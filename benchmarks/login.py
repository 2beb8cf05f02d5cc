"""How long a login takes: POST /api/v1/auth/token through the whole app (ASGI, no
network), with the production argon2id parameters, on a fresh migrated database.

    .venv/bin/python benchmarks/login.py [--database-url URL] [--logins N] [--concurrency C]

Prints the latency of a successful login, of a wrong password and of an unknown email
(the last two must match: the contract says "in the same time"), and the throughput of
C concurrent logins. The database defaults to a temporary SQLite file.
"""

import argparse
import asyncio
import statistics
import tempfile
import time
from pathlib import Path

import httpx
from pydantic import SecretStr

from adapters.sqlalchemy import migrator
from entrypoints.api.app import create_app
from entrypoints.container import Container
from entrypoints.settings import Settings

PASSWORD = "benchmark-password"


async def timed(client: httpx.AsyncClient, username: str, password: str) -> float:
    started = time.perf_counter()
    response = await client.post(
        "/api/v1/auth/token", data={"username": username, "password": password}
    )
    elapsed = time.perf_counter() - started
    assert response.status_code in (200, 401), response.text
    return elapsed


def summary(name: str, samples: list[float]) -> str:
    ms = sorted(s * 1000 for s in samples)
    p95 = ms[int(len(ms) * 0.95) - 1]
    return f"{name:<16} median {statistics.median(ms):6.1f} ms   p95 {p95:6.1f} ms   (n={len(ms)})"


async def run(database_url: str, logins: int, concurrency: int) -> None:
    settings = Settings(
        database_url=database_url,
        secret_key=SecretStr("a-benchmark-signing-key-of-32-bytes!"),
        # Wrong passwords are what is being measured: no throttling here.
        login_max_failures_per_email=10**9,
        login_max_failures_per_client=10**9,
        _env_file=None,  # type: ignore[call-arg]
    )
    container = Container()
    container.core.settings.override(settings)
    app = create_app(container)
    transport = httpx.ASGITransport(app=app)
    async with (
        app.router.lifespan_context(app),
        httpx.AsyncClient(transport=transport, base_url="http://bench") as client,
    ):
        emails = [f"bench{n}@example.com" for n in range(concurrency)]
        for email in emails:
            body = {"email": email, "password": PASSWORD, "full_name": "Bench"}
            assert (await client.post("/api/v1/auth/register", json=body)).status_code == 201
        await timed(client, emails[0], PASSWORD)  # warm-up

        # Interleaved, so that drift (CPU frequency, caches, the database) hits all three alike.
        ok, wrong, unknown = [], [], []
        for _ in range(logins):
            ok.append(await timed(client, emails[0], PASSWORD))
            wrong.append(await timed(client, emails[0], "not-the-password"))
            unknown.append(await timed(client, "nobody@example.com", PASSWORD))

        started = time.perf_counter()
        rounds = max(1, logins // concurrency)
        for _ in range(rounds):
            await asyncio.gather(*(timed(client, email, PASSWORD) for email in emails))
        elapsed = time.perf_counter() - started

    print(f"database: {database_url.split('://')[0]}")
    print(summary("login ok", ok))
    print(summary("wrong password", wrong))
    print(summary("unknown email", unknown))
    print(f"{concurrency} concurrent logins: {rounds * concurrency / elapsed:.1f} logins/s")


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--database-url")
    parser.add_argument("--logins", type=int, default=50)
    parser.add_argument("--concurrency", type=int, default=10)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        url = args.database_url or f"sqlite+aiosqlite:///{Path(folder) / 'bench.db'}"
        migrator.upgrade(url)
        asyncio.run(run(url, args.logins, args.concurrency))


if __name__ == "__main__":
    main()
