"""Use cases of the operators: see and manage every account."""

from collections.abc import Callable

from application.shared.pages import split_page
from application.shared.ports import Clock
from application.users.accounts import RegisterUser
from application.users.commands import (
    AdminAccount,
    CreateAdmin,
    FindUserByEmail,
    GetUser,
    ListUsers,
    UpdateUser,
    UserPage,
)
from application.users.ports import LoginThrottle, UsersReader, UsersUnitOfWork
from domain.shared.errors import NotFound
from domain.users import Email, EmailTaken, Role, User


class ListAccounts:
    def __init__(self, *, read_uow: Callable[[], UsersReader]) -> None:
        self._read_uow = read_uow

    async def __call__(self, query: ListUsers) -> UserPage:
        peek = ListUsers(query.role, query.text, query.limit + 1, query.after)
        async with self._read_uow() as uow:
            users = await uow.users.list(peek)
        return split_page(users, query.limit, lambda u: (u.created_at, u.id))


class GetAccount:
    def __init__(self, *, read_uow: Callable[[], UsersReader]) -> None:
        self._read_uow = read_uow

    async def __call__(self, query: GetUser) -> User:
        async with self._read_uow() as uow:
            user = await uow.users.get(query.user_id)
        if user is None:
            raise NotFound("No such user")
        return user


class FindAccountByEmail:
    def __init__(self, *, read_uow: Callable[[], UsersReader]) -> None:
        self._read_uow = read_uow

    async def __call__(self, query: FindUserByEmail) -> User:
        async with self._read_uow() as uow:
            user = await uow.users.get_by_email(Email.parse(query.email))
        if user is None:
            raise NotFound(f"No user with email {query.email.strip()}")
        return user


class UnlockAccount:
    """Lets an account's owner sign in again at once: forgets the failed sign-ins counted
    against it, from every address."""

    def __init__(self, *, read_uow: Callable[[], UsersReader], throttle: LoginThrottle) -> None:
        self._find = FindAccountByEmail(read_uow=read_uow)
        self._throttle = throttle

    async def __call__(self, query: FindUserByEmail) -> User:
        user = await self._find(query)
        await self._throttle.unlock(user.email.value)
        return user


class UpdateAccount:
    """Role and activation changes. The domain refuses to remove the last active admin;
    here the active admins are locked first (always in the same order), so concurrent
    changes neither both pass nor deadlock."""

    def __init__(self, *, uow: Callable[[], UsersUnitOfWork], clock: Clock) -> None:
        self._uow, self._clock = uow, clock

    async def __call__(self, cmd: UpdateUser) -> User:
        removes_admin = cmd.is_active is False or (cmd.role not in (None, Role.ADMIN))
        async with self._uow() as uow:
            active_admins = await uow.users.count_active_admins() if removes_admin else 0
            user = await uow.users.get(cmd.user_id, for_update=True)
            if user is None:
                raise NotFound("No such user")
            if cmd.role is not None:
                user.change_role(cmd.role, active_admins=active_admins)
            if cmd.is_active is True:
                user.activate()
            elif cmd.is_active is False and user.is_active:
                user.deactivate(active_admins=active_admins)
                await uow.refresh_tokens.revoke_all_for_user(user.id, self._clock.now())
            await uow.users.save(user)
            await uow.commit()
        return user


class CreateAdminAccount:
    """For operators provisioning a shop: an admin account. Running it again for an email
    that is already an active admin changes nothing and is no error; any other account
    with that email is EmailTaken (promote it with a role change instead)."""

    def __init__(self, *, register: RegisterUser, read_uow: Callable[[], UsersReader]) -> None:
        self._register, self._read_uow = register, read_uow

    async def __call__(self, cmd: CreateAdmin) -> AdminAccount:
        try:
            user = await self._register.create(cmd.email, cmd.password, cmd.full_name, Role.ADMIN)
            return AdminAccount(user, created=True)
        except EmailTaken:
            async with self._read_uow() as uow:
                existing = await uow.users.get_by_email(Email.parse(cmd.email))
            if existing is None or not existing.is_active_admin:
                raise
            return AdminAccount(existing, created=False)
