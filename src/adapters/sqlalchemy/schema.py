"""The whole schema: the metadata with every context's tables on it (what migrations
are generated from and checked against)."""

from collections.abc import Callable

from sqlalchemy import Index

from adapters.sqlalchemy import catalog, gateway_books, notifications, orders, outbox, users
from adapters.sqlalchemy.metadata import metadata

CONTEXTS = (users, catalog, orders, outbox, notifications, gateway_books)

__all__ = ["metadata", "objects_on"]


def objects_on(dialect: str) -> Callable[..., bool]:
    """Alembic's ``include_object`` for ``dialect``: the PostgreSQL-only indexes (those
    with an access method of its own, such as the trigram search) exist nowhere else."""

    def include(
        obj: object, name: str | None, type_: str, reflected: bool, compare_to: object
    ) -> bool:
        if type_ == "index" and dialect != "postgresql" and isinstance(obj, Index):
            return not obj.dialect_options["postgresql"]["using"]
        return True

    return include
