import pytest
from dependency_injector import providers
from pydantic import SecretStr

from adapters.memory.unit_of_work import MemoryReader, MemoryStore, MemoryUnitOfWork
from application.users.ports import LoginThrottle
from domain.users import User
from entrypoints.container import Container
from entrypoints.settings import Settings
from tests.fakes import EventLog, FakeClock, FakeHasher


class Accounts:
    """The accounts use cases as the container wires them, with its I/O overridden: the
    in-memory units of work, a settable clock, an instant hasher."""

    def __init__(self, throttle: LoginThrottle | None = None) -> None:
        self.store = MemoryStore()
        self.events = EventLog()
        self.clock = FakeClock()
        self.hasher = FakeHasher()
        container = Container()
        core, users = container.core, container.users
        core.settings.override(
            Settings(secret_key=SecretStr("k" * 32), refresh_token_ttl=3600, _env_file=None)  # type: ignore[call-arg]
        )
        core.clock.override(providers.Object(self.clock))
        core.uow.override(providers.Factory(MemoryUnitOfWork, self.store, self.events))
        core.read_uow.override(providers.Factory(MemoryReader, self.store))
        users.hasher.override(providers.Object(self.hasher))
        if throttle is not None:
            users.throttle.override(providers.Object(throttle))
        self.container = container
        self.tokens = users.tokens()
        self.throttle = users.throttle()
        self.register = users.register()
        self.authenticate = users.authenticate()
        self.refresh = users.refresh_session()
        self.end_session = users.end_session()
        self.authorize = users.authorize()
        self.update_profile = users.update_profile()
        self.change_password = users.change_password()
        self.list_accounts = users.list_accounts()
        self.get_account = users.get_account()
        self.find_by_email = users.find_by_email()
        self.update_account = users.update_account()
        self.create_admin = users.create_admin()

    def uow(self) -> MemoryUnitOfWork:
        return MemoryUnitOfWork(self.store, self.events)

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
