import pytest
from dependency_injector import providers
from pydantic import SecretStr

from adapters.memory.unit_of_work import MemoryReader, MemoryStore, MemoryUnitOfWork
from adapters.payments.fake import FakePaymentGateway, MemoryGatewayBooks
from application.users.ports import LoginThrottle
from domain.users import User
from entrypoints.container import Container
from entrypoints.settings import Settings
from tests.fakes import EventLog, FakeClock, FakeHasher
from tests.units_of_work import MEMORY, override_units_of_work


class InMemory:
    """The container's wiring with its I/O overridden: in-memory units of work on one
    store, a settable clock, an instant hasher, the fake gateway's books in memory."""

    def __init__(self, hasher: FakeHasher | None = None, **settings: object) -> None:
        self.store = MemoryStore()
        self.events = EventLog()
        self.clock = FakeClock()
        self.hasher = hasher or FakeHasher()
        self.container = container = Container()
        core = container.core
        core.settings.override(
            Settings(
                secret_key=SecretStr("k" * 32), refresh_token_ttl=3600, _env_file=None, **settings
            )  # type: ignore[call-arg, arg-type]
        )
        core.clock.override(providers.Object(self.clock))
        override_units_of_work(container, self.uow, lambda: MemoryReader(self.store, MEMORY))
        container.users.hasher.override(providers.Object(self.hasher))
        self.books = MemoryGatewayBooks()
        container.orders.gateway.override(
            providers.Singleton(FakePaymentGateway, books=providers.Object(self.books))
        )

    def uow(self) -> MemoryUnitOfWork:
        return MemoryUnitOfWork(self.store, MEMORY, self.events.writer(self.clock))


class Accounts(InMemory):
    """The accounts use cases as the container wires them."""

    def __init__(
        self,
        throttle: LoginThrottle | None = None,
        hasher: FakeHasher | None = None,
        **settings: object,
    ) -> None:
        super().__init__(hasher, **settings)
        users = self.container.users
        if throttle is not None:
            users.throttle.override(providers.Object(throttle))
        self.tokens = users.tokens()
        self.throttle = users.throttle()
        self.register = users.register()
        self.sign_in = users.sign_in()
        self.refresh = users.refresh()
        self.sign_out = users.sign_out()
        self.authorize = users.authorize()
        self.update_profile = users.update_profile()
        self.change_password = users.change_password()
        self.list_users = users.list_users()
        self.get_user = users.get_user()
        self.find_user_by_email = users.find_user_by_email()
        self.update_user = users.update_user()
        self.create_admin = users.create_admin()

    async def add(self, *users: User) -> None:
        async with self.uow() as uow:
            for user in users:
                await uow.users.add(user)
            await uow.commit()

    async def stored(self, user: User) -> User:
        async with self.uow() as uow:
            found = await uow.users.get(user.id)
        assert found is not None
        return found


@pytest.fixture
def accounts() -> Accounts:
    return Accounts()


class Shop(InMemory):
    """The catalog use cases as the container wires them."""

    def __init__(self) -> None:
        super().__init__()
        catalog = self.container.catalog
        self.create = catalog.create_product()
        self.get = catalog.get_product()
        self.update = catalog.update_product()
        self.adjust = catalog.adjust_stock()
        self.archive = catalog.archive_product()
        self.list = catalog.list_products()
        self.movements = catalog.list_stock_movements()
        self.import_products = catalog.import_products()
        self.export_products = catalog.export_products()


@pytest.fixture
def shop() -> Shop:
    return Shop()


class Checkout(Shop):
    """The catalog and order use cases as the container wires them, with the fake
    gateway's books at hand."""

    def __init__(self) -> None:
        super().__init__()
        orders = self.container.orders
        self.gateway = orders.gateway()
        self.place = orders.place_order()
        self.get_order = orders.get_order()
        self.list_orders = orders.list_orders()
        self.pay = orders.pay_order()
        self.cancel = orders.cancel_order()
        self.fulfil = orders.fulfil_order()
        self.upkeep = orders.upkeep()

    def charges(self) -> list[str]:
        """The approved charges in the gateway's books."""
        entries = self.books.entries_by_key.values()
        return [e.reference for e in entries if e.kind == "charge" and e.approved and e.reference]

    def refunds(self) -> list[str]:
        entries = self.books.entries_by_key.values()
        return [e.reference for e in entries if e.kind == "refund" and e.reference]


@pytest.fixture
def checkout() -> Checkout:
    return Checkout()
