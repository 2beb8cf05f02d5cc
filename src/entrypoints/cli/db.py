"""emporium db: Alembic, from inside the package."""

from typing import Annotated

import typer

from entrypoints.cli.common import reported, settings

app = typer.Typer(help="Database migrations (Alembic).", no_args_is_help=True)


@app.command("upgrade")
def upgrade(revision: Annotated[str, typer.Argument()] = "head") -> None:
    """Migrate the database up to REVISION (default: the newest)."""
    from adapters.sqlalchemy import migrator

    with reported():
        migrator.upgrade(settings().database_url, revision)


@app.command("downgrade")
def downgrade(revision: Annotated[str, typer.Argument(help="e.g. -1 or base")]) -> None:
    """Migrate the database down to REVISION."""
    from adapters.sqlalchemy import migrator

    with reported():
        migrator.downgrade(settings().database_url, revision)


@app.command("current")
def current() -> None:
    """Show the database's current revision."""
    from adapters.sqlalchemy import migrator

    with reported():
        migrator.current(settings().database_url)
