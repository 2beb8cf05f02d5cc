"""Writing aggregates that carry a ``version``: every UPDATE is conditional on the version
the aggregate was read at, so a concurrent change is refused, never overwritten."""

from collections.abc import Callable, Sequence
from typing import Any, Protocol, TypeVar

from sqlalchemy import Table, Update, bindparam, update

from adapters.sqlalchemy.statements import Statements
from domain.shared.errors import ConcurrentUpdate


class Versioned(Protocol):
    version: int


V = TypeVar("V", bound=Versioned)


def versioned_update(table: Table) -> Update:
    """``UPDATE table SET … WHERE id = :row_id AND version = :read_version``, the columns
    set being those of the rows it runs with (see ``save_versioned``)."""
    return update(table).where(
        table.c.id == bindparam("row_id"), table.c.version == bindparam("read_version")
    )


async def save_versioned(
    statements: Statements,
    statement: Update,
    batch: Sequence[V],
    row: Callable[[V], dict[str, Any]],
    track: Callable[[V], None],
    what: str,
) -> None:
    """Runs ``statement`` (a ``versioned_update``) once for each aggregate of ``batch``,
    with its ``row`` (its id and creation time are never rewritten) at the next version,
    then advances each aggregate's version and tracks it for its events."""
    rows = [_saved(row(aggregate), aggregate.version) for aggregate in batch]
    if await statements.execute_many(statement, rows) != len(rows):
        raise ConcurrentUpdate(f"The {what} changed meanwhile; try again")
    for aggregate in batch:
        aggregate.version += 1
        track(aggregate)


def _saved(row: dict[str, Any], read_version: int) -> dict[str, Any]:
    kept = {name: value for name, value in row.items() if name not in ("id", "created_at")}
    return kept | {"row_id": row["id"], "read_version": read_version, "version": read_version + 1}
