from dataclasses import dataclass
from uuid import UUID


@dataclass(frozen=True, slots=True)
class Actor:
    """Who asks, as the use cases judge it: a signed-in user, or an operator at the CLI
    (no user; an admin's rights)."""

    user_id: UUID | None
    is_admin: bool

    @classmethod
    def operator(cls) -> "Actor":
        return cls(None, True)
