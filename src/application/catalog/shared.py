"""What the catalog use cases share: their ports."""

from collections.abc import Callable

from application.catalog.ports import CatalogReader, CatalogUnitOfWork
from application.shared.ports import Clock, IdGenerator
from domain.shared.money import Currency


class Catalog:
    """The ports every catalog use case shares."""

    def __init__(
        self,
        *,
        uow: Callable[[], CatalogUnitOfWork],
        read_uow: Callable[[], CatalogReader],
        ids: IdGenerator,
        clock: Clock,
        store_currency: Currency,
    ) -> None:
        self.uow, self.read_uow, self.ids, self.clock = uow, read_uow, ids, clock
        self.store_currency = store_currency
