"""In-memory units of work: real transactions over dictionaries, no I/O. The unit tests
run the use cases on them."""

from collections import defaultdict
from types import TracebackType
from typing import Any, Self

from adapters.memory.writes import Repositories
from application.shared.outbox import OutboxWriter
from domain.shared.aggregate import Aggregate


class MemoryStore(defaultdict[str, dict[Any, Any]]):
    """The committed state, shared by every unit of work built on it: a table per
    repository name (or per the ``table`` a repository names), and the ``outbox``: each
    event by id, with when it was dispatched (None until then)."""

    def __init__(self) -> None:
        super().__init__(dict)


class MemoryReader:
    """Works on a copy of the store's tables that ``repositories`` names; its
    repositories refuse writes."""

    _writable = False

    def __init__(self, store: MemoryStore, repositories: Repositories) -> None:
        self._store, self._repositories = store, repositories
        self._tables: dict[str, dict[Any, Any]] = {}
        self._seen: list[Aggregate] = []

    async def __aenter__(self) -> Self:
        tables = {name: getattr(repo, "table", name) for name, repo in self._repositories.items()}
        self._tables = {table: dict(self._store[table]) for table in tables.values()}
        self._seen = []
        for name, repository in self._repositories.items():
            table = self._tables[tables[name]]
            setattr(self, name, repository(table, self._seen.append, writable=self._writable))
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        for name in self._repositories:
            delattr(self, name)


class MemoryUnitOfWork(MemoryReader):
    """Swaps its copy in on commit, with its events added to the outbox, so leaving
    without a commit (an error included) leaves the store as it was."""

    _writable = True

    def __init__(
        self, store: MemoryStore, repositories: Repositories, events: OutboxWriter
    ) -> None:
        super().__init__(store, repositories)
        self._events = events

    async def commit(self) -> None:
        events = self._events.take(self._seen)
        # Copies: what this block changes after the commit stays uncommitted.
        self._store.update({name: dict(table) for name, table in self._tables.items()})
        self._store["outbox"].update((event.id, (event, None)) for event in events)
