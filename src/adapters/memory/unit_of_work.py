"""In-memory units of work: real transactions over dictionaries, no I/O. The unit tests
run the use cases on them."""

from dataclasses import dataclass, field
from types import TracebackType
from typing import Self
from uuid import UUID

from adapters.memory.users import MemoryRefreshTokenRepository, MemoryUserRepository
from application.shared.ports import EventPublisher
from domain.shared.aggregate import Aggregate
from domain.users import RefreshToken, User


@dataclass
class MemoryStore:
    """The committed state, shared by every unit of work built on it."""

    users: dict[UUID, User] = field(default_factory=dict)
    refresh_tokens: dict[UUID, RefreshToken] = field(default_factory=dict)


class MemoryReader:
    """Works on a copy of the store; its repositories refuse writes."""

    _writable = False

    def __init__(self, store: MemoryStore) -> None:
        self._store = store
        self._seen: list[Aggregate] = []

    async def __aenter__(self) -> Self:
        self._users = dict(self._store.users)
        self._tokens = dict(self._store.refresh_tokens)
        self._seen = []
        self.users = MemoryUserRepository(self._users, self._seen.append, writable=self._writable)
        self.refresh_tokens = MemoryRefreshTokenRepository(self._tokens, writable=self._writable)
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        del self.users, self.refresh_tokens


class MemoryUnitOfWork(MemoryReader):
    """Swaps its copy in on commit, so leaving without a commit (an error included)
    leaves the store as it was."""

    _writable = True

    def __init__(self, store: MemoryStore, publisher: EventPublisher) -> None:
        super().__init__(store)
        self._publisher = publisher

    async def commit(self) -> None:
        # Copies: what this block changes after the commit stays uncommitted.
        self._store.users = dict(self._users)
        self._store.refresh_tokens = dict(self._tokens)
        await self._publisher.publish([e for a in self._seen for e in a.pull_events()])
