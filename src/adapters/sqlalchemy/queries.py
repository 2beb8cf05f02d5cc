"""What the list queries of every context share: keyset positions and search patterns,
as bound parameters, so that each shape of a query is one statement, built once."""

from collections.abc import Sequence
from typing import Any

from sqlalchemy import ColumnElement, bindparam, tuple_


def after_position(order: Sequence[ColumnElement[Any]], *, descending: bool) -> ColumnElement[bool]:
    """Rows past the keyset position bound by ``after_parameters``, in ``order`` (its
    last column unique, breaking ties)."""
    position = tuple_(*order)
    after = tuple_(*(bindparam(f"after_{i}", type_=column.type) for i, column in enumerate(order)))
    return position < after if descending else position > after


def after_parameters(after: Sequence[Any]) -> dict[str, Any]:
    return {f"after_{i}": value for i, value in enumerate(after)}


def like_pattern(folded: str) -> str:
    """A LIKE pattern (escape character ``\\``) for rows containing ``folded``, folded as
    the searched column is."""
    escaped = folded.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return f"%{escaped}%"
