from dataclasses import dataclass
from uuid import UUID

from domain.shared.errors import Forbidden


@dataclass(frozen=True, slots=True)
class Actor:
    """Who asks, as the use cases judge it: a signed-in user, an anonymous caller, or an
    operator at the CLI (no user; an admin's rights). Who may do what is the use cases'
    call; the entrypoints only say who is asking."""

    user_id: UUID | None
    is_admin: bool

    @classmethod
    def operator(cls) -> "Actor":
        return cls(None, True)

    @classmethod
    def anonymous(cls) -> "Actor":
        return cls(None, False)

    def require_admin(self, to: str) -> None:
        """Refuses anyone but an admin: "Only admins may {to}"."""
        if not self.is_admin:
            raise Forbidden(f"Only admins may {to}")
