"""The README's walkthrough (scripts/tour.sh) runs as pasted against a real server,
and again: every id it uses it captured itself, and it left nothing in the way."""

import os
import subprocess
from pathlib import Path

from tests.conftest import sqlite_url
from tests.e2e.servers import EMPORIUM, emporium, running_server

TOUR = Path(__file__).parents[2] / "scripts" / "tour.sh"


def test_the_tour_runs_twice_against_a_real_server(tmp_path: Path) -> None:
    env = os.environ | {
        "EMPORIUM_SECRET_KEY": "a-tour-test-key-that-is-long-enough-123",
        "EMPORIUM_DATABASE_URL": sqlite_url(tmp_path / "shop.db"),
    }
    emporium(env, tmp_path, "db", "upgrade")
    with running_server(env, tmp_path) as (base, _):
        for _ in range(2):
            done = subprocess.run(
                [str(TOUR)],
                env=env | {"BASE": base, "EMPORIUM": EMPORIUM},
                cwd=tmp_path,
                capture_output=True,
                text=True,
                timeout=180,
            )
            assert done.returncode == 0, done.stdout + done.stderr
            assert done.stdout.rstrip().endswith("tour done")
            assert "402 payment_declined" in done.stdout and "delivered" in done.stdout
