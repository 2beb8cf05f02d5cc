"""The whole schema: the metadata with every context's tables on it (what migrations
are generated from and checked against)."""

from adapters.sqlalchemy import users
from adapters.sqlalchemy.metadata import metadata

CONTEXTS = (users,)

__all__ = ["metadata"]
