"""The README's examples run as shown."""

import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from application.notifications.signatures import new_secret, signed_headers
from tests.peers import free_port

RECEIVER = Path(__file__).resolve().parents[2] / "examples" / "webhook_receiver.py"


@pytest.fixture
def receiver() -> Iterator[tuple[str, str, subprocess.Popen[str]]]:
    secret, port = new_secret(), free_port()
    process = subprocess.Popen(
        [sys.executable, "-u", str(RECEIVER), "--port", str(port), "--secret", secret],
        stdout=subprocess.PIPE,
        text=True,
    )
    url = f"http://127.0.0.1:{port}/"
    deadline = time.monotonic() + 10
    while True:
        try:
            httpx.post(url, content=b"")
            break
        except httpx.TransportError:
            assert time.monotonic() < deadline, "the receiver did not start"
            time.sleep(0.1)
    yield url, secret, process
    process.kill()


def test_the_example_receiver_verifies_signatures_and_drops_duplicates(
    receiver: tuple[str, str, subprocess.Popen[str]],
) -> None:
    url, secret, process = receiver
    body = '{"type":"order.paid","timestamp":"2026-12-02T10:00:00Z","data":{}}'
    now = int(time.time())

    def post(secrets: list[str], content: str, stamp: int = now) -> int:
        headers = signed_headers(secrets, "evt-1", stamp, body)
        return httpx.post(url, content=content, headers=dict(headers)).status_code

    assert post([new_secret(), secret], body) == 204  # either signature will do
    assert post([secret], body) == 204  # the same event again: taken, not printed
    assert post([secret], body.replace("paid", "shipped")) == 400  # tampered
    assert post([new_secret()], body) == 400  # someone else's secret
    assert post([secret], body, stamp=now - 3600) == 400  # replayed an hour later
    process.kill()
    printed, _ = process.communicate(timeout=5)
    assert printed.splitlines() == ['{"id": "evt-1", "type": "order.paid"}']
