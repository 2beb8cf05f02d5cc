from datetime import timedelta

import pytest

from adapters.memory.unit_of_work import MemoryStore, MemoryUnitOfWork
from adapters.security.tokens import JwtTokenService
from adapters.system import Uuid7Generator
from adapters.throttle import MemoryLoginThrottle, ThrottleLimits
from application.ports import LoginThrottle
from application.users.accounts import ChangeOwnPassword, RegisterUser, UpdateOwnProfile
from application.users.admin import (
    CreateAdmin,
    FindUserByEmail,
    GetUser,
    ListUsers,
    UpdateUserAsAdmin,
)
from application.users.sessions import (
    Authenticate,
    AuthorizeAccess,
    Logout,
    RefreshSession,
    SessionIssuer,
)
from domain.users import User
from tests.fakes import EventLog, FakeClock, FakeHasher


class Accounts:
    """The accounts use cases wired to in-memory adapters, as the container wires the real ones."""

    def __init__(self, throttle: LoginThrottle | None = None) -> None:
        self.store = MemoryStore()
        self.events = EventLog()
        self.clock = FakeClock()
        self.hasher = FakeHasher()
        self.tokens = JwtTokenService(
            secret_key="k" * 32,
            issuer="emporium",
            audience="emporium-api",
            access_ttl_seconds=900,
            refresh_ttl_seconds=3600,
            clock=self.clock,
        )
        self.throttle = throttle or MemoryLoginThrottle(ThrottleLimits(5, 50, 300), self.clock)
        ids = Uuid7Generator()
        uow, read_uow = self.uow(), self.uow(read_only=True)
        sessions = SessionIssuer(tokens=self.tokens, ids=ids, clock=self.clock)
        self.register = RegisterUser(uow=uow, hasher=self.hasher, ids=ids, clock=self.clock)
        self.authenticate = Authenticate(
            uow=uow,
            read_uow=read_uow,
            hasher=self.hasher,
            throttle=self.throttle,
            sessions=sessions,
        )
        self.refresh = RefreshSession(
            uow=uow, sessions=sessions, clock=self.clock, reuse_grace=timedelta(seconds=10)
        )
        self.logout = Logout(uow=uow, clock=self.clock)
        self.authorize = AuthorizeAccess(read_uow=read_uow, tokens=self.tokens)
        self.update_profile = UpdateOwnProfile(uow=uow)
        self.change_password = ChangeOwnPassword(
            uow=uow, read_uow=read_uow, hasher=self.hasher, throttle=self.throttle, clock=self.clock
        )
        self.list_users = ListUsers(read_uow=read_uow)
        self.get_user = GetUser(read_uow=read_uow)
        self.find_user = FindUserByEmail(read_uow=read_uow)
        self.update_user = UpdateUserAsAdmin(uow=uow, clock=self.clock)
        self.create_admin = CreateAdmin(register=self.register, read_uow=read_uow)

    def uow(self, *, read_only: bool = False) -> MemoryUnitOfWork:
        return MemoryUnitOfWork(self.store, self.events, read_only=read_only)

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
