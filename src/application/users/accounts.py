"""Use cases of one's own account: register, profile, password."""

from collections.abc import Callable

from application.shared.ports import Clock, IdGenerator
from application.users.commands import ChangePassword, Register, UpdateProfile
from application.users.errors import InvalidCredentials
from application.users.ports import LoginThrottle, PasswordHasher, UsersReader, UsersUnitOfWork
from domain.shared.errors import NotFound, RateLimited
from domain.users import Email, Role, User, validate_password


class RegisterUser:
    def __init__(
        self,
        *,
        uow: Callable[[], UsersUnitOfWork],
        hasher: PasswordHasher,
        ids: IdGenerator,
        clock: Clock,
    ) -> None:
        self._uow, self._hasher, self._ids, self._clock = uow, hasher, ids, clock

    async def __call__(self, cmd: Register) -> User:
        return await self.create(cmd.email, cmd.password, cmd.full_name, Role.CUSTOMER)

    async def create(self, email: str, password: str, full_name: str, role: Role) -> User:
        """Any role: for the use cases of operators, never for a public command."""
        parsed = Email.parse(email)
        validate_password(password)
        user = User.register(
            id=self._ids.new_id(),
            email=parsed,
            full_name=full_name,
            password_hash=await self._hasher.hash(password),
            now=self._clock.now(),
            role=role,
        )
        async with self._uow() as uow:
            await uow.users.add(user)
            await uow.commit()
        return user


class UpdateOwnProfile:
    def __init__(self, *, uow: Callable[[], UsersUnitOfWork]) -> None:
        self._uow = uow

    async def __call__(self, cmd: UpdateProfile) -> User:
        async with self._uow() as uow:
            user = await uow.users.get(cmd.user_id, for_update=True)
            if user is None:
                raise NotFound("No such user")
            if cmd.full_name is not None:
                user.rename(cmd.full_name)
                await uow.users.save(user)
                await uow.commit()
        return user


class ChangeOwnPassword:
    """A new password closes every session: refresh tokens are revoked and access
    tokens issued before stop working."""

    def __init__(
        self,
        *,
        uow: Callable[[], UsersUnitOfWork],
        read_uow: Callable[[], UsersReader],
        hasher: PasswordHasher,
        throttle: LoginThrottle,
        clock: Clock,
    ) -> None:
        self._uow, self._read_uow = uow, read_uow
        self._hasher, self._throttle, self._clock = hasher, throttle, clock

    async def __call__(self, cmd: ChangePassword) -> None:
        validate_password(cmd.new_password, field="new_password")
        async with self._read_uow() as uow:
            user = await uow.users.get(cmd.user_id)
        if user is None:
            raise NotFound("No such user")
        # A stolen access token must not be a way round the sign-in throttle: guesses of
        # the current password count against the same account.
        if wait := await self._throttle.acquire(user.email.value, cmd.client):
            raise RateLimited(wait)
        # Hashing runs with no connection held: it is the slow part.
        matches, _ = await self._hasher.verify(cmd.current_password, user.password_hash)
        if not matches:
            raise InvalidCredentials("The current password is wrong")
        await self._throttle.succeeded(user.email.value, cmd.client)
        new_hash = await self._hasher.hash(cmd.new_password)
        async with self._uow() as uow:
            current = await uow.users.get(cmd.user_id, for_update=True)
            if current is None or current.credentials_version != user.credentials_version:
                raise InvalidCredentials("The password was changed meanwhile")
            current.change_password(new_hash)
            await uow.users.save(current)
            await uow.refresh_tokens.revoke_all_for_user(current.id, self._clock.now())
            await uow.commit()
