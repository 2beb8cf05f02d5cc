"""The ports: what the use cases need from the outside world, in domain terms only."""

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from types import TracebackType
from typing import Protocol, Self
from uuid import UUID

from domain.shared.events import DomainEvent
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

    async def get_by_email(self, email: Email) -> User | None: ...

    async def save(self, user: User) -> None:
        """Writes the user if nobody changed it since it was read (ConcurrentUpdate if so)
        and advances its ``version``."""

    async def count_active_admins(self) -> int:
        """Counts and, where the database can, locks the active admins until commit, so
        two concurrent demotions cannot both see another admin left."""

    async def list(self, query: UserQuery) -> Sequence[User]: ...


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


class EventPublisher(Protocol):
    async def publish(self, events: Sequence[DomainEvent]) -> None: ...


class UnitOfWork(Protocol):
    """One transaction. ``async with uow:`` begins it; leaving without ``commit()`` rolls
    back. The same object may be entered again, one transaction after another. After a
    commit, it publishes the events of the aggregates it added or saved."""

    users: UserRepository
    refresh_tokens: RefreshTokenRepository

    async def __aenter__(self) -> Self: ...

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None: ...

    async def commit(self) -> None: ...


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
        """Raises InvalidToken for anything but a well-formed, signed, unexpired access token."""

    def new_refresh_secret(self) -> str: ...


class Clock(Protocol):
    def now(self) -> datetime:
        """The current time, timezone-aware, in UTC."""


class IdGenerator(Protocol):
    def new_id(self) -> UUID: ...


class LoginThrottle(Protocol):
    """Counts password checks per account and per client address within a window."""

    async def acquire(self, account: str, client: str) -> int:
        """Takes one attempt's slot for both keys at once, before the password is
        checked: 0 when taken; when either key is at its limit, the seconds until it
        may try again, and nothing is taken. Atomic, however many callers race."""

    async def succeeded(self, account: str, client: str) -> None:
        """A correct password: forgets the account's attempts and gives the client's slot
        back (successful sign-ins don't count)."""
