"""How long an event takes to leave the shop: from an order's placing to its webhook's
arrival at a receiver, at rest and under checkout load.

    .venv/bin/python benchmarks/delivery.py [--database-url URL] [--duration 10]

A throwaway PostgreSQL database prepared as the harness prepares it (40 customers,
10,000 products), a webhook endpoint for ``order.placed`` pointing at a receiver in this
process, ``emporium serve`` (one uvicorn worker, CPU 1, no in-process worker) and one
``emporium worker`` with its default poll interval (CPU 0, which it shares with the
load). Latency is the receiver's clock at arrival less the event's ``occurred_at`` (the
order's creation, a few milliseconds before its commit). At rest: one order every
200 ms; under load: wrk's checkout load (64 connections) for DURATION seconds, every
order's webhook measured. Prints the median, p90, p99 and the worst.
"""

import argparse
import asyncio
import http.server
import json
import os
import signal
import statistics
import subprocess
import threading
import time
from datetime import datetime
from pathlib import Path
from tempfile import TemporaryDirectory

import httpx
from pydantic import SecretStr

from adapters.sqlalchemy import migrator
from entrypoints.settings import Settings
from harness import (
    BIN,
    KEY,
    LOAD_CPU,
    ROOT,
    SERVER_CPU,
    measured_endpoints,
    prepare,
    server,
    throwaway_database,
    wrk,
)

AT_REST = 50


class Server(http.server.ThreadingHTTPServer):
    request_queue_size = 128  # the worker's 50 connections at once; 5 would drop some
    daemon_threads = True

    def handle_error(self, request: object, client_address: object) -> None:
        pass  # a connection the stopping worker reset


class Receiver:
    """Every delivery's latency, in seconds."""

    def __init__(self) -> None:
        self.latencies: list[float] = []
        receiver = self

        class Handler(http.server.BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"  # keep-alive

            def do_POST(self) -> None:
                arrived, length = time.time(), int(self.headers["content-length"])
                raw = self.rfile.read(length)
                if len(raw) < length:  # the worker stopped mid-request
                    self.close_connection = True
                    return
                body = json.loads(raw)
                happened = datetime.fromisoformat(body["timestamp"]).timestamp()
                receiver.latencies.append(arrived - happened)
                self.send_response(204)
                self.send_header("content-length", "0")
                self.end_headers()

            def log_message(self, *_: object) -> None:
                pass

        self._server = Server(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self._server.server_address[1]}/hooks"
        threading.Thread(target=self._server.serve_forever, daemon=True).start()

    def settle(self, expected: int) -> list[float]:
        deadline = time.monotonic() + 120
        while len(self.latencies) < expected and time.monotonic() < deadline:
            time.sleep(0.1)
        taken, self.latencies = self.latencies, []
        return taken


def report(name: str, latencies: list[float]) -> None:
    ms = sorted(1000 * x for x in latencies)
    p90, p99 = (ms[min(len(ms) - 1, int(q * len(ms)))] for q in (0.9, 0.99))
    print(
        f"{name:<11}{len(ms):>7} webhooks   p50 {statistics.median(ms):7.0f} ms   "
        f"p90 {p90:7.0f} ms   p99 {p99:7.0f} ms   worst {ms[-1]:7.0f} ms"
    )


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument(
        "--database-url",
        default=os.environ.get(
            "EMPORIUM_BENCH_POSTGRES_URL", "postgresql+asyncpg://root@127.0.0.1:5432/postgres"
        ),
    )
    parser.add_argument("--duration", type=int, default=10)
    args = parser.parse_args()
    receiver = Receiver()
    with throwaway_database(args.database_url) as database, TemporaryDirectory() as scratch:
        migrator.upgrade(database)
        settings = Settings(
            database_url=database,
            secret_key=SecretStr(KEY),
            _env_file=None,  # type: ignore[call-arg]
        )
        tokens, product_ids, cursors = asyncio.run(prepare(settings))
        every = measured_endpoints(product_ids, tokens, cursors, Path(scratch))
        [checkout] = [endpoint for endpoint in every if endpoint.writes]
        # Development, as production takes https:// receivers only: this one is plain
        # http on loopback.
        env = os.environ | {
            "EMPORIUM_SECRET_KEY": KEY,
            "EMPORIUM_DATABASE_URL": database,
            "EMPORIUM_PAYMENT_GATEWAY": "fake",
            "EMPORIUM_RATE_LIMIT_ORDERS": "999999999/60",
            "EMPORIUM_ORDER_MAX_PENDING": "1000000",
            "EMPORIUM_WORKER_IN_PROCESS": "false",
            "EMPORIUM_WEBHOOK_ALLOWED_NETWORKS": "127.0.0.0/8",
            "PYTHONPATH": str(ROOT),
        }
        subprocess.run(
            [str(BIN / "emporium"), "webhooks", "add", receiver.url, "-e", "order.placed"],
            env=env,
            check=True,
            capture_output=True,
        )
        worker = subprocess.Popen(
            ["taskset", "-c", LOAD_CPU, str(BIN / "emporium"), "worker"],
            env=env,
            stderr=subprocess.DEVNULL,
        )
        port = 18003
        try:
            with server(
                ["taskset", "-c", SERVER_CPU, str(BIN / "emporium"), "serve", "--port", str(port)],
                env,
                port,
                Path(scratch) / "emporium.log",
            ) as base:
                with httpx.Client(base_url=base) as client:
                    for n in range(AT_REST):
                        placed = client.post(
                            "/api/v1/orders",
                            json={
                                "lines": [{"product_id": product_ids[n], "quantity": 1}],
                                "shipping_address": {
                                    "name": "B",
                                    "line1": "1 Main St",
                                    "city": "Town",
                                    "postal_code": "1",
                                    "country": "FR",
                                },
                            },
                            headers={"Authorization": f"Bearer {tokens[n % len(tokens)]}"},
                        )
                        placed.raise_for_status()
                        time.sleep(0.2)
                report("at rest", receiver.settle(AT_REST))
                result = wrk(base, checkout, tokens[0], args.duration, 64)
                orders = round(result.requests_per_second * args.duration)
                report("under load", receiver.settle(orders))
                print(f"           (the load: {result.requests_per_second:.0f} orders/s)")
        finally:
            worker.send_signal(signal.SIGTERM)
            worker.wait(timeout=30)


if __name__ == "__main__":
    main()
