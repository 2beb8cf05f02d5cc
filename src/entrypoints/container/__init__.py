"""The composition root: the one place that knows which adapter serves which port.

One sub-container per bounded context, on a core that every context shares. Use cases
are singletons, built once: they hold their ports and unit-of-work *factories*; the
per-request part is the unit of work each call opens.
"""

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from dependency_injector import containers, providers

from entrypoints.container.catalog import CatalogContainer
from entrypoints.container.core import Core
from entrypoints.container.notifications import NotificationsContainer
from entrypoints.container.orders import OrdersContainer
from entrypoints.container.users import UsersContainer


class Container(containers.DeclarativeContainer):
    core = providers.Container(Core)
    users = providers.Container(UsersContainer, core=core)
    catalog = providers.Container(CatalogContainer, core=core)
    orders = providers.Container(OrdersContainer, core=core)
    notifications = providers.Container(NotificationsContainer, core=core)


@asynccontextmanager
async def running(container: Container) -> AsyncIterator[Container]:
    """The container, with the connections it opened meanwhile (database pools, Redis,
    the broker, the webhooks' client) closed after, the last opened first."""
    try:
        yield container
    finally:
        await container.core.closing().aclose()
        container.reset_singletons()
