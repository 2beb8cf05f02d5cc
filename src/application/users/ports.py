"""What the accounts use cases need from the outside world, in domain terms only."""

from collections.abc import Collection, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Protocol
from uuid import UUID

from application.shared.ports import ReadOnlyUnitOfWork, UnitOfWork
from domain.users import Email, RefreshToken, RevokeReason, Role, User


@dataclass(frozen=True, slots=True)
class UserQuery:
    """A page of users, newest first; ``after`` is the (created_at, id) of the last one seen."""

    role: Role | None = None
    text: str | None = None
    limit: int = 20
    after: tuple[datetime, UUID] | None = None


class UserRepository(Protocol):
    async def add(self, user: User) -> None:
        """Raises EmailTaken when the email is registered already."""

    async def get(self, user_id: UUID, *, for_update: bool = False) -> User | None: ...

    async def get_many(self, user_ids: Collection[UUID]) -> Sequence[User]:
        """The users of ``user_ids`` there are, in id order: one statement for many."""

    async def get_by_email(self, email: Email) -> User | None: ...

    async def save(self, user: User) -> None:
        """Writes the user if nobody changed it since it was read (ConcurrentUpdate if so)
        and advances its ``version``."""

    async def count_active_admins(self) -> int:
        """Counts and, where the database can, locks the active admins until commit, so
        two concurrent demotions cannot both see another admin left."""

    async def list(self, query: UserQuery) -> Sequence[User]:
        """At most ``query.limit`` users, newest first, after ``query.after``."""


class RefreshTokenRepository(Protocol):
    async def add(self, token: RefreshToken) -> None: ...

    async def get_by_hash(self, token_hash: str) -> RefreshToken | None: ...

    async def revoke(self, token_id: UUID, now: datetime, reason: RevokeReason) -> bool:
        """Revokes a live token; False when it was revoked already (by a concurrent call too)."""

    async def revoke_all_for_user(self, user_id: UUID, now: datetime) -> None:
        """Revokes every live token of the user, for reason CLOSED."""

    async def delete_expired_for_user(self, user_id: UUID, now: datetime) -> None:
        """Forgets the user's expired tokens. Revoked ones stay until they expire: a
        revoked token coming back is how reuse is detected."""


class UsersReader(ReadOnlyUnitOfWork, Protocol):
    users: UserRepository
    refresh_tokens: RefreshTokenRepository


class UsersUnitOfWork(UsersReader, UnitOfWork, Protocol): ...


class PasswordHasher(Protocol):
    async def hash(self, password: str) -> str: ...

    async def verify(self, password: str, password_hash: str | None) -> tuple[bool, str | None]:
        """(matches, new hash if the stored one should be upgraded). With no hash, it
        spends the same time as a real check and answers False."""


@dataclass(frozen=True, slots=True)
class AccessClaims:
    user_id: UUID
    credentials_version: int


@dataclass(frozen=True, slots=True)
class IssuedAccessToken:
    token: str
    expires_in: int


class TokenService(Protocol):
    refresh_ttl_seconds: int

    def issue_access(self, user: User, now: datetime) -> IssuedAccessToken: ...

    def verify_access(self, token: str) -> AccessClaims:
        """Raises InvalidToken for anything but a well-formed, signed, current access token."""

    def new_refresh_secret(self) -> str: ...


class LoginThrottle(Protocol):
    """Counts password checks per account from one client address (tight), per account
    from every address (looser), and per client address, within a window."""

    async def acquire(self, account: str, client: str) -> int:
        """Takes one attempt's slot on every count at once, before the password is
        checked: 0 when taken; when any count is at its limit, the seconds until it may
        try again, and nothing is taken. Atomic, however many callers race."""

    async def succeeded(self, account: str, client: str) -> None:
        """A correct password: forgets the account's attempts from this address and gives
        this attempt's slot back (successful sign-ins don't count)."""

    async def unlock(self, account: str) -> None:
        """Forgets every attempt on the account, from every address."""
