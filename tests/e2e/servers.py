"""Real server processes, as an operator starts them: for tests that need a socket."""

import os
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import httpx

from tests.peers import free_port

EMPORIUM = str(Path(sys.executable).parent / "emporium")


def emporium(env: dict[str, str], cwd: Path, *args: str) -> str:
    """Runs the CLI to success; its stdout."""
    done = subprocess.run(
        [EMPORIUM, *args], env=env, cwd=cwd, check=True, capture_output=True, timeout=60, text=True
    )
    return done.stdout


def migrated_with_admin(env: dict[str, str], cwd: Path, password: str = "ops-password") -> None:  # noqa: S107
    """As an operator starts: the database migrated, and an admin, ops@example.com."""
    emporium(env, cwd, "db", "upgrade")
    emporium(
        env, cwd, "users", "create-admin", "--email", "ops@example.com", "--password", password
    )


@contextmanager
def running_server(
    env: dict[str, str], cwd: Path, *, workers: int = 1
) -> Iterator[tuple[str, list[str]]]:
    """``emporium serve`` on a free port until every worker is ready: (base URL, the
    lines of its stderr, complete once it has stopped). The lines are read as they
    come: a server whose stderr pipe filled up would stop answering."""
    port = free_port()
    process = subprocess.Popen(
        [EMPORIUM, "serve", "--host", "127.0.0.1", "--port", str(port), "--workers", str(workers)],
        env=env,
        cwd=cwd,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
        start_new_session=True,
    )
    base = f"http://127.0.0.1:{port}"
    log: list[str] = []
    reader = threading.Thread(
        target=lambda: log.extend(line.rstrip("\n") for line in process.stderr)
    )  # type: ignore[union-attr]
    reader.start()
    try:
        deadline = time.monotonic() + 30
        while True:
            try:
                ready = httpx.get(f"{base}/health/ready", timeout=1).status_code == 200
                started = sum("Application startup complete" in line for line in log)
                if ready and started == workers:  # a load meant for all reaches all
                    break
            except httpx.TransportError:
                pass
            if process.poll() is not None or time.monotonic() > deadline:
                os.killpg(process.pid, signal.SIGTERM)
                reader.join(timeout=15)
                raise AssertionError("the server did not start: " + "\n".join(log))
            time.sleep(0.2)
        yield base, log
    finally:
        os.killpg(process.pid, signal.SIGTERM)
        process.wait(timeout=15)
        reader.join(timeout=15)
