"""Use cases of the operators: see and manage every account. Admins only."""

from collections.abc import Sequence

from application.shared.pages import split_page
from application.users.commands import (
    AdminAccount,
    CreateAdmin,
    FindUserByEmail,
    GetUser,
    GetUsers,
    ListUsers,
    UnlockUser,
    UpdateUser,
    UserPage,
)
from application.users.ports import UserQuery
from application.users.shared import Accounts, register
from domain.shared.errors import NotFound
from domain.users import Email, EmailTaken, Role, User


class ListUsersHandler:
    def __init__(self, accounts: Accounts) -> None:
        self._accounts = accounts

    async def __call__(self, query: ListUsers) -> UserPage:
        query.actor.require_admin("see other accounts")
        async with self._accounts.read_uow() as uow:
            # One more tells whether there is a next page.
            users = await uow.users.list(
                UserQuery(query.role, query.text, query.limit + 1, query.after)
            )
        return split_page(users, query.limit, lambda u: (u.created_at, u.id))


class GetUserHandler:
    def __init__(self, accounts: Accounts) -> None:
        self._accounts = accounts

    async def __call__(self, query: GetUser) -> User:
        query.actor.require_admin("see other accounts")
        async with self._accounts.read_uow() as uow:
            user = await uow.users.get(query.user_id)
        if user is None:
            raise NotFound("No such user")
        return user


class GetUsersHandler:
    def __init__(self, accounts: Accounts) -> None:
        self._accounts = accounts

    async def __call__(self, query: GetUsers) -> Sequence[User]:
        query.actor.require_admin("see other accounts")
        async with self._accounts.read_uow() as uow:
            return await uow.users.get_many(query.user_ids)


class FindUserByEmailHandler:
    def __init__(self, accounts: Accounts) -> None:
        self._accounts = accounts

    async def __call__(self, query: FindUserByEmail) -> User:
        query.actor.require_admin("see other accounts")
        async with self._accounts.read_uow() as uow:
            user = await uow.users.get_by_email(Email.parse(query.email))
        if user is None:
            raise NotFound(f"No user with email {query.email.strip()}")
        return user


class UnlockUserHandler:
    """Lets an account's owner sign in again at once: forgets the failed sign-ins counted
    against it, from every address."""

    def __init__(self, accounts: Accounts) -> None:
        self._accounts = accounts
        self._find = FindUserByEmailHandler(accounts)

    async def __call__(self, cmd: UnlockUser) -> User:
        user = await self._find(FindUserByEmail(cmd.actor, cmd.email))
        await self._accounts.throttle.unlock(user.email.value)
        return user


class UpdateUserHandler:
    """Role and activation changes. The domain refuses to remove the last active admin;
    here the active admins are locked first (always in the same order), so concurrent
    changes neither both pass nor deadlock."""

    def __init__(self, accounts: Accounts) -> None:
        self._accounts = accounts

    async def __call__(self, cmd: UpdateUser) -> User:
        cmd.actor.require_admin("change other accounts")
        removes_admin = cmd.is_active is False or (cmd.role not in (None, Role.ADMIN))
        async with self._accounts.uow() as uow:
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
                now = self._accounts.clock.now()
                await uow.refresh_tokens.revoke_all_for_user(user.id, now)
            await uow.users.save(user)
            await uow.commit()
        return user


class CreateAdminHandler:
    """For operators provisioning a shop: an admin account. Running it again for an email
    that is already an active admin changes nothing and is no error; any other account
    with that email is EmailTaken (promote it with a role change instead)."""

    def __init__(self, accounts: Accounts) -> None:
        self._accounts = accounts

    async def __call__(self, cmd: CreateAdmin) -> AdminAccount:
        cmd.actor.require_admin("create admins")
        accounts = self._accounts
        try:
            user = await register(accounts, cmd.email, cmd.password, cmd.full_name, Role.ADMIN)
            return AdminAccount(user, created=True)
        except EmailTaken:
            async with accounts.read_uow() as uow:
                existing = await uow.users.get_by_email(Email.parse(cmd.email))
            if existing is None or not existing.is_active_admin:
                raise
            return AdminAccount(existing, created=False)
