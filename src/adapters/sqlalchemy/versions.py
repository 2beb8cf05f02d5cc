"""Writing aggregates that carry a ``version``: every UPDATE is conditional on the version
the aggregate was read at, so a concurrent change is refused, never overwritten."""

from collections.abc import Callable, Sequence
from typing import Any, Protocol, TypeVar

from sqlalchemy import Update
from sqlalchemy.ext.asyncio import AsyncConnection

from domain.shared.errors import ConcurrentUpdate


class Versioned(Protocol):
    version: int


V = TypeVar("V", bound=Versioned)


async def save_versioned(
    conn: AsyncConnection,
    statement: Update,
    rows: Sequence[dict[str, Any]],
    batch: Sequence[V],
    track: Callable[[V], None],
    what: str,
) -> None:
    """Runs ``statement`` (``… WHERE id = … AND version = :read_version``) once per row
    of ``batch``, then advances each aggregate's version and tracks it for its events."""
    result = await conn.execute(statement, list(rows))
    # Only some drivers count the rows of a batch; the rows were read for update.
    counted = len(rows) == 1 or conn.dialect.supports_sane_multi_rowcount
    if counted and result.rowcount != len(rows):
        raise ConcurrentUpdate(f"The {what} changed meanwhile; try again")
    for aggregate in batch:
        aggregate.version += 1
        track(aggregate)
