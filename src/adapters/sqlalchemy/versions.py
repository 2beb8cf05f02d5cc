"""Writing aggregates that carry a ``version``: every UPDATE is conditional on the version
the aggregate was read at, so a concurrent change is refused, never overwritten."""

from collections.abc import Callable, Sequence
from typing import Any, Protocol, TypeVar

from sqlalchemy import Update

from adapters.sqlalchemy.statements import Statements
from domain.shared.errors import ConcurrentUpdate


class Versioned(Protocol):
    version: int


V = TypeVar("V", bound=Versioned)


async def save_versioned(
    statements: Statements,
    statement: Update,
    rows: Sequence[dict[str, Any]],
    batch: Sequence[V],
    track: Callable[[V], None],
    what: str,
) -> None:
    """Runs ``statement`` (``… WHERE id = … AND version = :read_version``) once per row
    of ``batch``, then advances each aggregate's version and tracks it for its events."""
    if await statements.execute_many(statement, rows) != len(rows):
        raise ConcurrentUpdate(f"The {what} changed meanwhile; try again")
    for aggregate in batch:
        aggregate.version += 1
        track(aggregate)
