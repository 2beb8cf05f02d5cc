"""Alembic, driven from inside the package: no alembic.ini, any working directory."""

import sys
from pathlib import Path

from alembic import command
from alembic.config import Config
from alembic.script import ScriptDirectory

_HERE = Path(__file__).resolve().parent


def migrations_dir() -> Path:
    """Inside a built wheel the scripts sit beside this module; in a source checkout
    (editable install) they are the top-level ``migrations/`` folder."""
    packaged = _HERE / "migrations"
    return packaged if packaged.is_dir() else _HERE.parents[2] / "migrations"


def alembic_config(database_url: str) -> Config:
    # Alembic's default stdout is bound when alembic is imported; this one is the current.
    config = Config(stdout=sys.stdout)
    config.set_main_option("script_location", str(migrations_dir()))
    # Passed as an attribute, not an option: ConfigParser would read '%' in a URL.
    config.attributes["database_url"] = database_url
    return config


def upgrade(database_url: str, revision: str = "head") -> str:
    """Migrates up to ``revision``; answers the revision reached, as "0007 (head)"."""
    config = alembic_config(database_url)
    command.upgrade(config, revision)
    script = ScriptDirectory.from_config(config)
    reached = script.get_revision(revision)
    assert reached is not None  # the upgrade would have failed
    head = " (head)" if reached.revision in script.get_heads() else ""
    return f"{reached.revision}{head}"


def downgrade(database_url: str, revision: str) -> None:
    command.downgrade(alembic_config(database_url), revision)


def current(database_url: str) -> None:
    """Prints the current revision (Alembic prints it itself)."""
    command.current(alembic_config(database_url), verbose=False)
