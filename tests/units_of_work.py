"""Every context's repositories on one unit of work, for the tests that reach past a
context's container (contract and concurrency tests), and a way to put a container's
units of work on other ones."""

from collections.abc import Callable
from typing import Any

from dependency_injector import providers

from adapters.memory import catalog as memory_catalog
from adapters.memory import notifications as memory_notifications
from adapters.memory import orders as memory_orders
from adapters.memory import users as memory_users
from adapters.sqlalchemy import catalog, notifications, orders, users
from entrypoints.container import Container
from tests.fakes import EventLog

SQL = users.REPOSITORIES | catalog.REPOSITORIES | orders.REPOSITORIES | notifications.REPOSITORIES
MEMORY = (
    memory_users.REPOSITORIES
    | memory_catalog.REPOSITORIES
    | memory_orders.REPOSITORIES
    | memory_notifications.REPOSITORIES
)
# The outbox's writer, for the tests that read no events.
EVENTS = EventLog().writer()


def override_units_of_work(
    container: Container, uow: Callable[[], Any], read_uow: Callable[[], Any]
) -> None:
    """Every context's units of work built by ``uow`` and ``read_uow``."""
    contexts = (container.users, container.catalog, container.orders, container.notifications)
    for context in contexts:
        context.uow.override(providers.Factory(uow))
        context.read_uow.override(providers.Factory(read_uow))
