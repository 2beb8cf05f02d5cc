"""The CLI as an operator sees it in a terminal (a real pseudo-terminal, 80 columns):
tables keep ids whole and say yes or no, help shows flags as flags, and the commands
that write say what they did."""

import os
import pty
import re
import subprocess
from pathlib import Path

import pytest

from tests.conftest import sqlite_url
from tests.e2e.servers import EMPORIUM, emporium

ANSI = re.compile(r"\x1b\[[0-9;?]*[A-Za-z]")
UUID = re.compile(r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}")


@pytest.fixture
def env(tmp_path: Path) -> dict[str, str]:
    env = os.environ | {
        "EMPORIUM_SECRET_KEY": "a-terminal-test-key-that-is-long-enough",
        "EMPORIUM_DATABASE_URL": sqlite_url(tmp_path / "shop.db"),
        "COLUMNS": "80",
        "LINES": "50",
        "TERM": "xterm",
    }
    emporium(env, tmp_path, "db", "upgrade")
    emporium(env, tmp_path, "seed", "demo", "--password", "demo-password-123")
    return env


def in_terminal(env: dict[str, str], cwd: Path, *args: str) -> str:
    """What a command shows on a terminal (stdout and stderr are the terminal)."""
    leader, follower = pty.openpty()
    try:
        process = subprocess.Popen(
            [EMPORIUM, *args], env=env, cwd=cwd, stdin=follower, stdout=follower, stderr=follower
        )
        os.close(follower)
        shown = b""
        while True:
            try:
                chunk = os.read(leader, 65536)
            except OSError:  # the command closed the terminal: it has ended
                break
            if not chunk:
                break
            shown += chunk
        assert process.wait(timeout=60) == 0, shown.decode(errors="replace")
    finally:
        os.close(leader)
    return ANSI.sub("", shown.decode()).replace("\r", "")


def test_tables_keep_ids_whole_and_say_yes_or_no(env: dict[str, str], tmp_path: Path) -> None:
    for command in (("users", "list"), ("products", "list"), ("orders", "list")):
        shown = in_terminal(env, tmp_path, *command)
        listed = emporium(env, tmp_path, *command).splitlines()[1:]  # tab lines, in a pipe
        ids = [line.split("\t")[0] for line in listed]
        assert ids and all(UUID.fullmatch(id_) for id_ in ids)
        whole = set(UUID.findall(shown))
        assert set(ids) <= whole, f"{' '.join(command)} folded an id:\n{shown}"
    users = in_terminal(env, tmp_path, "users", "list")
    assert " yes " in users and "True" not in users
    orders = in_terminal(env | {"COLUMNS": "140"}, tmp_path, "orders", "list")
    assert "@demo.emporium.dev" in orders  # the customer's email, whole on a wide one


def test_help_shows_flags_as_flags(env: dict[str, str], tmp_path: Path) -> None:
    shown = in_terminal(env, tmp_path, "products", "import", "--help")
    assert "--dry-run" in shown and "<bool>" not in shown and "{file}" not in shown
    assert "FILE" in shown


def test_a_group_lists_each_command_on_one_line(env: dict[str, str], tmp_path: Path) -> None:
    """On a terminal wide enough, a listing row is one command and its one-line
    summary: a docstring's line break never shows mid-sentence."""
    for group in ("", "users", "products", "orders", "payments", "seed", "outbox"):
        shown = in_terminal(env | {"COLUMNS": "160"}, tmp_path, *group.split(), "--help")
        listing = shown[shown.index("─ Commands ─") :].splitlines()[1:-1]
        names = [row.removeprefix("│ ")[:1] for row in listing]
        assert listing and " " not in names, shown


def test_writing_commands_say_what_they_did(env: dict[str, str], tmp_path: Path) -> None:
    catalog = tmp_path / "catalog.csv"
    exported = in_terminal(env, tmp_path, "products", "export", "--output", str(catalog))
    rows = len(catalog.read_text().splitlines()) - 1
    assert f"{rows} products written to {catalog}" in exported
    checked = in_terminal(env, tmp_path, "products", "import", str(catalog), "--dry-run")
    assert f"0 created, 0 updated, {rows} unchanged, 0 rejected" in checked
    upgraded = in_terminal(env, tmp_path, "db", "upgrade")
    assert "migrated to 0" in upgraded and "(head)" in upgraded
