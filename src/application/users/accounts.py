"""Use cases of one's own account: register, profile, password."""

from application.users.commands import ChangePassword, Register, UpdateProfile
from application.users.errors import InvalidCredentials
from application.users.shared import Accounts, register
from domain.shared.errors import NotFound, RateLimited
from domain.users import Role, User, validate_password


class RegisterHandler:
    def __init__(self, accounts: Accounts) -> None:
        self._accounts = accounts

    async def __call__(self, cmd: Register) -> User:
        return await register(self._accounts, cmd.email, cmd.password, cmd.full_name, Role.CUSTOMER)


class UpdateProfileHandler:
    def __init__(self, accounts: Accounts) -> None:
        self._accounts = accounts

    async def __call__(self, cmd: UpdateProfile) -> User:
        async with self._accounts.uow() as uow:
            user = await uow.users.get(cmd.user_id, for_update=True)
            if user is None:
                raise NotFound("No such user")
            if cmd.full_name is not None:
                user.rename(cmd.full_name)
                await uow.users.save(user)
                await uow.commit()
        return user


class ChangePasswordHandler:
    """A new password closes every session: refresh tokens are revoked and access
    tokens issued before stop working."""

    def __init__(self, accounts: Accounts) -> None:
        self._accounts = accounts

    async def __call__(self, cmd: ChangePassword) -> None:
        accounts = self._accounts
        validate_password(cmd.new_password, field="new_password")
        async with accounts.read_uow() as uow:
            user = await uow.users.get(cmd.user_id)
        if user is None:
            raise NotFound("No such user")
        # A stolen access token must not be a way round the sign-in throttle: guesses of
        # the current password count against the same account.
        if wait := await accounts.throttle.acquire(user.email.value, cmd.client):
            raise RateLimited(wait)
        # Hashing runs with no connection held: it is the slow part.
        matches, _ = await accounts.hasher.verify(cmd.current_password, user.password_hash)
        if not matches:
            raise InvalidCredentials("The current password is wrong")
        await accounts.throttle.succeeded(user.email.value, cmd.client)
        new_hash = await accounts.hasher.hash(cmd.new_password)
        async with accounts.uow() as uow:
            current = await uow.users.get(cmd.user_id, for_update=True)
            if current is None or current.credentials_version != user.credentials_version:
                raise InvalidCredentials("The password was changed meanwhile")
            current.change_password(new_hash)
            await uow.users.save(current)
            await uow.refresh_tokens.revoke_all_for_user(current.id, accounts.clock.now())
            await uow.commit()
