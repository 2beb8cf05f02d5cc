"""What the accounts use cases share: their ports, registering an account of any role,
and issuing a session."""

import hashlib
from collections.abc import Callable
from datetime import timedelta

from application.shared.ports import Clock, IdGenerator
from application.users.commands import TokenPair
from application.users.ports import (
    LoginThrottle,
    PasswordHasher,
    TokenService,
    UsersReader,
    UsersUnitOfWork,
)
from domain.users import Email, RefreshToken, Role, User, validate_password


class Accounts:
    """The ports every accounts use case shares."""

    def __init__(
        self,
        *,
        uow: Callable[[], UsersUnitOfWork],
        read_uow: Callable[[], UsersReader],
        ids: IdGenerator,
        clock: Clock,
        hasher: PasswordHasher,
        tokens: TokenService,
        throttle: LoginThrottle,
        reuse_grace: timedelta,
    ) -> None:
        self.uow, self.read_uow, self.ids, self.clock = uow, read_uow, ids, clock
        self.hasher, self.tokens, self.throttle = hasher, tokens, throttle
        self.reuse_grace = reuse_grace


async def register(
    accounts: Accounts, email: str, password: str, full_name: str, role: Role
) -> User:
    """An account of any role: customers register themselves, operators create admins."""
    parsed = Email.parse(email)
    validate_password(password)
    user = User.register(
        id=accounts.ids.new_id(),
        email=parsed,
        full_name=full_name,
        password_hash=await accounts.hasher.hash(password),
        now=accounts.clock.now(),
        role=role,
    )
    async with accounts.uow() as uow:
        await uow.users.add(user)
        await uow.commit()
    return user


def hash_refresh_secret(secret: str) -> str:
    """Refresh secrets are long random strings, so a fast unsalted hash is enough to keep
    a database leak from handing out live tokens."""
    return hashlib.sha256(secret.encode()).hexdigest()


async def issue_session(accounts: Accounts, uow: UsersUnitOfWork, user: User) -> TokenPair:
    """An access token and a stored refresh token, inside the caller's transaction."""
    now, tokens = accounts.clock.now(), accounts.tokens
    # Housekeeping on the way: the table holds at most a lifetime's worth per user.
    await uow.refresh_tokens.delete_expired_for_user(user.id, now)
    secret = tokens.new_refresh_secret()
    await uow.refresh_tokens.add(
        RefreshToken(
            id=accounts.ids.new_id(),
            user_id=user.id,
            token_hash=hash_refresh_secret(secret),
            issued_at=now,
            expires_at=now + timedelta(seconds=tokens.refresh_ttl_seconds),
        )
    )
    access = tokens.issue_access(user, now)
    return TokenPair(access.token, access.expires_in, secret)
