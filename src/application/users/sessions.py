"""Use cases of signing in and out: tokens, rotation, and the check on every request."""

from datetime import datetime
from typing import NoReturn

from application.users.commands import Authorize, Refresh, SignIn, SignOut, TokenPair
from application.users.errors import InvalidCredentials, InvalidToken
from application.users.ports import UsersUnitOfWork
from application.users.shared import Accounts, hash_refresh_secret, issue_session
from domain.shared.errors import InvalidValue, RateLimited
from domain.users import Email, RefreshToken, RevokeReason, User


class SignInHandler:
    """Email and password to tokens. An unknown email, a wrong password and a deactivated
    account give the same answer after the same work, so none can be told apart. The
    throttle's slot is taken before the password is checked."""

    def __init__(self, accounts: Accounts) -> None:
        self._accounts = accounts

    async def __call__(self, cmd: SignIn) -> TokenPair:
        accounts = self._accounts
        email = _parse_or_none(cmd.email)
        # The throttle's key is the normalised email, so look-alike spellings share it.
        key = email.value if email else cmd.email.strip().lower()
        if wait := await accounts.throttle.acquire(key, cmd.client):
            raise RateLimited(wait)
        user = await self._find(email)
        matches, new_hash = await accounts.hasher.verify(
            cmd.password, user.password_hash if user else None
        )
        if user is None or not matches or not user.is_active:
            raise InvalidCredentials("Wrong email or password")
        async with accounts.uow() as uow:
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
            pair = await issue_session(accounts, uow, current)
            await uow.commit()
        await accounts.throttle.succeeded(key, cmd.client)
        return pair

    async def _find(self, email: Email | None) -> User | None:
        if email is None:
            return None
        async with self._accounts.read_uow() as uow:
            return await uow.users.get_by_email(email)


def _parse_or_none(raw_email: str) -> Email | None:
    try:
        return Email.parse(raw_email)
    except InvalidValue:
        return None


class RefreshHandler:
    """Trades a refresh token for a new pair and revokes it (rotation). A rotated token
    coming back after the grace interval means it leaked: every refresh token of its
    user is revoked. Within the grace (a double submit), or after a logout, it is only
    refused."""

    def __init__(self, accounts: Accounts) -> None:
        self._accounts = accounts

    async def __call__(self, cmd: Refresh) -> TokenPair:
        now = self._accounts.clock.now()
        secret_hash = hash_refresh_secret(cmd.refresh_token)
        async with self._accounts.uow() as uow:
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
            pair = await issue_session(self._accounts, uow, user)
            await uow.commit()
        return pair

    async def _refuse_reuse(
        self, uow: UsersUnitOfWork, stored: RefreshToken | None, now: datetime
    ) -> NoReturn:
        if stored is not None and stored.reuse_means_theft(now, self._accounts.reuse_grace):
            await uow.refresh_tokens.revoke_all_for_user(stored.user_id, now)
            await uow.commit()
            raise InvalidToken("Refresh token reused; every session of this account is closed")
        raise InvalidToken("The refresh token was revoked")


class SignOutHandler:
    """Revokes the token; an unknown or revoked one is no error (logout is idempotent)."""

    def __init__(self, accounts: Accounts) -> None:
        self._accounts = accounts

    async def __call__(self, cmd: SignOut) -> None:
        now = self._accounts.clock.now()
        async with self._accounts.uow() as uow:
            stored = await uow.refresh_tokens.get_by_hash(hash_refresh_secret(cmd.refresh_token))
            if stored is not None and not stored.is_revoked:
                await uow.refresh_tokens.revoke(stored.id, now, RevokeReason.LOGOUT)
                await uow.commit()


class AuthorizeHandler:
    """An access token to its user, on every request: the database has the last word, so
    a deactivation or a password change cuts access at once."""

    def __init__(self, accounts: Accounts) -> None:
        self._accounts = accounts

    async def __call__(self, cmd: Authorize) -> User:
        claims = self._accounts.tokens.verify_access(cmd.access_token)
        async with self._accounts.read_uow() as uow:
            user = await uow.users.get(claims.user_id)
        if user is None or not user.is_active:
            raise InvalidToken("The account is unknown or deactivated")
        if user.credentials_version != claims.credentials_version:
            raise InvalidToken("The token was issued before the credentials changed")
        return user
