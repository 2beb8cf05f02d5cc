"""emporium db: Alembic, from inside the package."""

from typing import Annotated

import typer

from entrypoints.cli.common import migrating, opened, settings, stderr

app = typer.Typer(help="Database migrations (Alembic).", no_args_is_help=True)


@app.command("upgrade")
def upgrade(revision: Annotated[str, typer.Argument()] = "head") -> None:
    """Migrate the database up to REVISION (default: the newest)."""
    from adapters.sqlalchemy import migrator

    config = settings()
    opened(config, creating=True)
    with migrating():
        reached = migrator.upgrade(config.database_url, revision)
    stderr.print(f"migrated to {reached}", highlight=False)


@app.command("downgrade")
def downgrade(revision: Annotated[str, typer.Argument(help="e.g. -1 or base")]) -> None:
    """Migrate the database down to REVISION."""
    from adapters.sqlalchemy import migrator

    config = settings()
    opened(config)
    with migrating():
        migrator.downgrade(config.database_url, revision)


@app.command("current")
def current() -> None:
    """Show the database's current revision."""
    from adapters.sqlalchemy import migrator

    config = settings()
    opened(config)
    with migrating():
        migrator.current(config.database_url)
