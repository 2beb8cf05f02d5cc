"""The accounts context in memory: real behaviour (unique emails, version checks), no I/O."""

from collections.abc import Callable, Collection, Sequence
from dataclasses import replace
from datetime import datetime
from uuid import UUID

from adapters.memory.writes import Repositories, Writes
from application.users.ports import UserQuery
from domain.shared.aggregate import Aggregate
from domain.shared.errors import ConcurrentUpdate
from domain.users import Email, EmailTaken, RefreshToken, RevokeReason, User


def _detached(user: User) -> User:
    """A copy that shares nothing mutable with the original (its events least of all)."""
    return replace(user, events=[])


class MemoryUserRepository(Writes):
    def __init__(
        self, users: dict[UUID, User], track: Callable[[Aggregate], None], *, writable: bool
    ) -> None:
        super().__init__(writable)
        self._users, self._track = users, track

    async def add(self, user: User) -> None:
        self._check_writable()
        if any(u.email == user.email for u in self._users.values()):
            raise EmailTaken(f"{user.email} is registered already")
        self._users[user.id] = _detached(user)
        self._track(user)

    async def get(self, user_id: UUID, *, for_update: bool = False) -> User | None:
        return self._found(self._users.get(user_id))

    async def get_many(self, user_ids: Collection[UUID]) -> Sequence[User]:
        stored = (self._users.get(user_id) for user_id in sorted(set(user_ids)))
        return [user for u in stored if (user := self._found(u))]

    async def get_by_email(self, email: Email) -> User | None:
        return self._found(next((u for u in self._users.values() if u.email == email), None))

    async def save(self, user: User) -> None:
        self._check_writable()
        stored = self._users.get(user.id)
        if stored is None or stored.version != user.version:
            raise ConcurrentUpdate("The account changed meanwhile; try again")
        user.version += 1
        self._users[user.id] = _detached(user)
        self._track(user)

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
        return [user for u in found[: query.limit] if (user := self._found(u))]

    def _found(self, stored: User | None) -> User | None:
        if stored is None:
            return None
        user = _detached(stored)
        self._track(user)
        return user


class MemoryRefreshTokenRepository(Writes):
    def __init__(
        self,
        tokens: dict[UUID, RefreshToken],
        _track: Callable[[Aggregate], None],
        *,
        writable: bool,
    ) -> None:
        super().__init__(writable)
        self._tokens = tokens

    async def add(self, token: RefreshToken) -> None:
        self._check_writable()
        self._tokens[token.id] = token

    async def get_by_hash(self, token_hash: str) -> RefreshToken | None:
        return next((t for t in self._tokens.values() if t.token_hash == token_hash), None)

    async def revoke(self, token_id: UUID, now: datetime, reason: RevokeReason) -> bool:
        self._check_writable()
        token = self._tokens.get(token_id)
        if token is None or token.is_revoked:
            return False
        self._tokens[token_id] = replace(token, revoked_at=now, revoked_reason=reason)
        return True

    async def revoke_all_for_user(self, user_id: UUID, now: datetime) -> None:
        self._check_writable()
        for token in list(self._tokens.values()):
            if token.user_id == user_id and not token.is_revoked:
                self._tokens[token.id] = replace(
                    token, revoked_at=now, revoked_reason=RevokeReason.CLOSED
                )

    async def delete_expired_for_user(self, user_id: UUID, now: datetime) -> None:
        self._check_writable()
        for token in list(self._tokens.values()):
            if token.user_id == user_id and token.is_expired(now):
                del self._tokens[token.id]


REPOSITORIES: Repositories = {
    "users": MemoryUserRepository,
    "refresh_tokens": MemoryRefreshTokenRepository,
}
