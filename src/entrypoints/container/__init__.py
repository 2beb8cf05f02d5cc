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
    """The container, with its connections (database pools, Redis, the broker) closed
    after."""
    try:
        yield container
    finally:
        await container.core.engine().dispose()
        await container.core.read_engine().dispose()
        redis = container.core.redis()
        if redis is not None:
            await redis.aclose()
        broker = container.notifications.broker()
        if broker is not None:
            await broker.close()
        await container.notifications.webhooks().close()
        container.reset_singletons()
