"""In-memory repositories and unit of work: real behaviour (transactions, unique emails,
version checks), no I/O. The unit tests run the use cases on them."""

from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from datetime import datetime
from types import TracebackType
from typing import Self
from uuid import UUID

from application.ports import EventPublisher, UserQuery
from domain.shared.errors import ConcurrentUpdate
from domain.users import Email, EmailTaken, RefreshToken, RevokeReason, User


@dataclass
class MemoryStore:
    """The committed state, shared by every unit of work built on it."""

    users: dict[UUID, User] = field(default_factory=dict)
    refresh_tokens: dict[UUID, RefreshToken] = field(default_factory=dict)


def _detached(user: User) -> User:
    """A copy that shares nothing mutable with the original (its events least of all)."""
    return replace(user, events=[])


class MemoryUserRepository:
    def __init__(self, users: dict[UUID, User]) -> None:
        self._users = users
        self.seen: list[User] = []

    async def add(self, user: User) -> None:
        if any(u.email == user.email for u in self._users.values()):
            raise EmailTaken(f"{user.email} is registered already")
        self._users[user.id] = _detached(user)
        self.seen.append(user)

    async def get(self, user_id: UUID, *, for_update: bool = False) -> User | None:
        user = self._users.get(user_id)
        return _detached(user) if user else None

    async def get_by_email(self, email: Email) -> User | None:
        found = next((u for u in self._users.values() if u.email == email), None)
        return _detached(found) if found else None

    async def save(self, user: User) -> None:
        stored = self._users.get(user.id)
        if stored is None or stored.version != user.version:
            raise ConcurrentUpdate("The account changed meanwhile; try again")
        user.version += 1
        self._users[user.id] = _detached(user)
        self.seen.append(user)

    async def count_active_admins(self) -> int:
        return sum(u.is_active_admin for u in self._users.values())

    async def list(self, query: UserQuery) -> Sequence[User]:
        text = (query.text or "").lower()
        found = [
            u
            for u in self._users.values()
            if (query.role is None or u.role is query.role)
            and (text in u.email.value or text in u.full_name.lower())
            and (query.after is None or (u.created_at, u.id) < query.after)
        ]
        found.sort(key=lambda u: (u.created_at, u.id), reverse=True)
        return [_detached(u) for u in found[: query.limit]]


class MemoryRefreshTokenRepository:
    def __init__(self, tokens: dict[UUID, RefreshToken]) -> None:
        self._tokens = tokens

    async def add(self, token: RefreshToken) -> None:
        self._tokens[token.id] = token

    async def get_by_hash(self, token_hash: str) -> RefreshToken | None:
        return next((t for t in self._tokens.values() if t.token_hash == token_hash), None)

    async def revoke(self, token_id: UUID, now: datetime, reason: RevokeReason) -> bool:
        token = self._tokens.get(token_id)
        if token is None or token.is_revoked:
            return False
        self._tokens[token_id] = replace(token, revoked_at=now, revoked_reason=reason)
        return True

    async def revoke_all_for_user(self, user_id: UUID, now: datetime) -> None:
        for token in list(self._tokens.values()):
            if token.user_id == user_id and not token.is_revoked:
                self._tokens[token.id] = replace(
                    token, revoked_at=now, revoked_reason=RevokeReason.CLOSED
                )

    async def delete_expired_for_user(self, user_id: UUID, now: datetime) -> None:
        for token in list(self._tokens.values()):
            if token.user_id == user_id and token.is_expired(now):
                del self._tokens[token.id]


class MemoryUnitOfWork:
    """Works on a copy of the store and swaps it in on commit, so leaving without a
    commit (an error included) leaves the store as it was."""

    def __init__(
        self, store: MemoryStore, publisher: EventPublisher, *, read_only: bool = False
    ) -> None:
        self._store = store
        self._publisher = publisher
        self._read_only = read_only

    async def __aenter__(self) -> Self:
        self._users = dict(self._store.users)
        self._tokens = dict(self._store.refresh_tokens)
        self.users = MemoryUserRepository(self._users)
        self.refresh_tokens = MemoryRefreshTokenRepository(self._tokens)
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        del self.users, self.refresh_tokens

    async def commit(self) -> None:
        if self._read_only:
            raise RuntimeError("commit() in a read-only unit of work")
        # Copies: what this block changes after the commit stays uncommitted.
        self._store.users = dict(self._users)
        self._store.refresh_tokens = dict(self._tokens)
        await self._publisher.publish([e for u in self.users.seen for e in u.pull_events()])
