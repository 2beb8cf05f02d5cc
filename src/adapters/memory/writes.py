"""What every in-memory repository shares: how it is built, and its refusal to write
through a read-only unit of work."""

from collections.abc import Callable
from typing import Any, Protocol

from application.shared.ports import WriteRefused
from domain.shared.aggregate import Aggregate


class Repository(Protocol):
    def __call__(
        self, table: dict[Any, Any], track: Callable[[Aggregate], None], /, *, writable: bool
    ) -> object: ...


# A repository built on a unit of work's copy of its table, handing it every aggregate
# it reads or writes (for their events). Each context names its own, by attribute.
Repositories = dict[str, Repository]


class Writes:
    """Repositories of a read-only unit of work refuse every write."""

    def __init__(self, writable: bool) -> None:
        self._writable = writable

    def _check_writable(self) -> None:
        if not self._writable:
            raise WriteRefused("a write through a read-only unit of work")
