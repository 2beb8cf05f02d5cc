"""Use cases of signing in and out: tokens, rotation, and the check on every request."""

import hashlib
from collections.abc import Callable
from datetime import datetime, timedelta
from typing import NoReturn

from application.shared.ports import Clock, IdGenerator
from application.users.commands import Authorize, Refresh, SignIn, SignOut, TokenPair
from application.users.errors import InvalidCredentials, InvalidToken
from application.users.ports import (
    LoginThrottle,
    PasswordHasher,
    TokenService,
    UsersReader,
    UsersUnitOfWork,
)
from domain.shared.errors import InvalidValue, RateLimited
from domain.users import Email, RefreshToken, RevokeReason, User


def hash_refresh_secret(secret: str) -> str:
    """Refresh secrets are long random strings, so a fast unsalted hash is enough to keep
    a database leak from handing out live tokens."""
    return hashlib.sha256(secret.encode()).hexdigest()


class SessionIssuer:
    """Mints an access token and a stored refresh token inside the caller's transaction."""

    def __init__(self, *, tokens: TokenService, ids: IdGenerator, clock: Clock) -> None:
        self._tokens, self._ids, self._clock = tokens, ids, clock

    async def issue(self, uow: UsersUnitOfWork, user: User) -> TokenPair:
        now = self._clock.now()
        # Housekeeping on the way: the table holds at most a lifetime's worth per user.
        await uow.refresh_tokens.delete_expired_for_user(user.id, now)
        secret = self._tokens.new_refresh_secret()
        await uow.refresh_tokens.add(
            RefreshToken(
                id=self._ids.new_id(),
                user_id=user.id,
                token_hash=hash_refresh_secret(secret),
                issued_at=now,
                expires_at=now + timedelta(seconds=self._tokens.refresh_ttl_seconds),
            )
        )
        access = self._tokens.issue_access(user, now)
        return TokenPair(access.token, access.expires_in, secret)


class Authenticate:
    """Email and password to tokens. An unknown email, a wrong password and a deactivated
    account give the same answer after the same work, so none can be told apart. The
    throttle's slot is taken before the password is checked."""

    def __init__(
        self,
        *,
        uow: Callable[[], UsersUnitOfWork],
        read_uow: Callable[[], UsersReader],
        hasher: PasswordHasher,
        throttle: LoginThrottle,
        sessions: SessionIssuer,
    ) -> None:
        self._uow, self._read_uow = uow, read_uow
        self._hasher, self._throttle, self._sessions = hasher, throttle, sessions

    async def __call__(self, cmd: SignIn) -> TokenPair:
        email = _parse_or_none(cmd.email)
        # The throttle's key is the normalised email, so look-alike spellings share it.
        key = email.value if email else cmd.email.strip().lower()
        if wait := await self._throttle.acquire(key, cmd.client):
            raise RateLimited(wait)
        user = await self._find(email)
        matches, new_hash = await self._hasher.verify(
            cmd.password, user.password_hash if user else None
        )
        if user is None or not matches or not user.is_active:
            raise InvalidCredentials("Wrong email or password")
        async with self._uow() as uow:
            current = await uow.users.get(user.id, for_update=True)
            # The password may have changed, or the account been closed, while we hashed.
            if (
                current is None
                or not current.is_active
                or current.credentials_version != user.credentials_version
            ):
                raise InvalidCredentials("Wrong email or password")
            if new_hash:
                current.upgrade_hash(new_hash)
                await uow.users.save(current)
            pair = await self._sessions.issue(uow, current)
            await uow.commit()
        await self._throttle.succeeded(key, cmd.client)
        return pair

    async def _find(self, email: Email | None) -> User | None:
        if email is None:
            return None
        async with self._read_uow() as uow:
            return await uow.users.get_by_email(email)


def _parse_or_none(raw_email: str) -> Email | None:
    try:
        return Email.parse(raw_email)
    except InvalidValue:
        return None


class RefreshSession:
    """Trades a refresh token for a new pair and revokes it (rotation). A rotated token
    coming back after the grace interval means it leaked: every refresh token of its
    user is revoked. Within the grace (a double submit), or after a logout, it is only
    refused."""

    def __init__(
        self,
        *,
        uow: Callable[[], UsersUnitOfWork],
        sessions: SessionIssuer,
        clock: Clock,
        reuse_grace: timedelta,
    ) -> None:
        self._uow, self._sessions, self._clock = uow, sessions, clock
        self._grace = reuse_grace

    async def __call__(self, cmd: Refresh) -> TokenPair:
        now = self._clock.now()
        secret_hash = hash_refresh_secret(cmd.refresh_token)
        async with self._uow() as uow:
            stored = await uow.refresh_tokens.get_by_hash(secret_hash)
            if stored is None or stored.is_expired(now):
                raise InvalidToken("Unknown or expired refresh token")
            if not stored.is_revoked and not await uow.refresh_tokens.revoke(
                stored.id, now, RevokeReason.ROTATED
            ):
                # A concurrent call rotated it first: judge the token as it is now.
                stored = await uow.refresh_tokens.get_by_hash(secret_hash)
            if stored is None or stored.is_revoked:
                await self._refuse_reuse(uow, stored, now)
            user = await uow.users.get(stored.user_id)
            if user is None or not user.is_active:
                raise InvalidToken("The account is deactivated")
            pair = await self._sessions.issue(uow, user)
            await uow.commit()
        return pair

    async def _refuse_reuse(
        self, uow: UsersUnitOfWork, stored: RefreshToken | None, now: datetime
    ) -> NoReturn:
        if stored is not None and stored.reuse_means_theft(now, self._grace):
            await uow.refresh_tokens.revoke_all_for_user(stored.user_id, now)
            await uow.commit()
            raise InvalidToken("Refresh token reused; every session of this account is closed")
        raise InvalidToken("The refresh token was revoked")


class EndSession:
    def __init__(self, *, uow: Callable[[], UsersUnitOfWork], clock: Clock) -> None:
        self._uow, self._clock = uow, clock

    async def __call__(self, cmd: SignOut) -> None:
        """Revokes the token; an unknown or revoked one is no error (logout is idempotent)."""
        async with self._uow() as uow:
            stored = await uow.refresh_tokens.get_by_hash(hash_refresh_secret(cmd.refresh_token))
            if stored is not None and not stored.is_revoked:
                await uow.refresh_tokens.revoke(stored.id, self._clock.now(), RevokeReason.LOGOUT)
                await uow.commit()


class AuthorizeAccess:
    """An access token to its user, on every request: the database has the last word, so
    a deactivation or a password change cuts access at once."""

    def __init__(self, *, read_uow: Callable[[], UsersReader], tokens: TokenService) -> None:
        self._read_uow, self._tokens = read_uow, tokens

    async def __call__(self, cmd: Authorize) -> User:
        claims = self._tokens.verify_access(cmd.access_token)
        async with self._read_uow() as uow:
            user = await uow.users.get(claims.user_id)
        if user is None or not user.is_active:
            raise InvalidToken("The account is unknown or deactivated")
        if user.credentials_version != claims.credentials_version:
            raise InvalidToken("The token was issued before the credentials changed")
        return user
