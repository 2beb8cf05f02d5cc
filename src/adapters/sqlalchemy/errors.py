"""Which constraint a database refused a write for, read from the driver's error."""

import re

from sqlalchemy import Table, UniqueConstraint
from sqlalchemy.exc import IntegrityError

_SQLITE_UNIQUE = re.compile(r"UNIQUE constraint failed: (.+)$")


def violated_unique_constraint(error: IntegrityError, table: Table) -> str | None:
    """The name of the unique constraint of ``table`` that ``error`` broke, if any.

    PostgreSQL (asyncpg) names the constraint, on the error SQLAlchemy wraps or on the
    one a statement sent straight to the driver raised. SQLite names only the columns
    ("UNIQUE constraint failed: users.email"), so they are looked up in the table's
    constraints, whose names the metadata's naming convention fixed, and its unique
    indexes.
    """
    driver_error = getattr(error.orig, "__cause__", None) or error.orig
    name = getattr(driver_error, "constraint_name", None)
    if name is not None:
        return str(name)
    match = _SQLITE_UNIQUE.search(str(error.orig))
    if match is None:
        return None
    columns = {part.strip().split(".", 1)[-1] for part in match.group(1).split(",")}
    for constraint in table.constraints:
        if isinstance(constraint, UniqueConstraint) and set(constraint.columns.keys()) == columns:
            return str(constraint.name)
    for index in table.indexes:
        if index.unique and set(index.columns.keys()) == columns:
            return str(index.name)
    return None
