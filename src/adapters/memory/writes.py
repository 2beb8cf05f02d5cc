from application.shared.ports import WriteRefused


class Writes:
    """Repositories of a read-only unit of work refuse every write."""

    def __init__(self, writable: bool) -> None:
        self._writable = writable

    def _check_writable(self) -> None:
        if not self._writable:
            raise WriteRefused("a write through a read-only unit of work")
