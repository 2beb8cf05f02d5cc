"""What the accounts use cases take and give: frozen dataclasses. Every use case takes
exactly one of these; none carries a field its caller may not choose."""

from dataclasses import dataclass
from datetime import datetime
from uuid import UUID

from application.shared.actor import Actor
from application.shared.pages import Page
from domain.users import Role, User


@dataclass(frozen=True, slots=True)
class Register:
    email: str
    password: str
    full_name: str


@dataclass(frozen=True, slots=True)
class CreateAdmin:
    """An operator's: an admin account (the CLI, never the public API)."""

    actor: Actor
    email: str
    password: str
    full_name: str = "Administrator"


@dataclass(frozen=True, slots=True)
class SignIn:
    email: str
    password: str
    client: str


@dataclass(frozen=True, slots=True)
class Refresh:
    refresh_token: str


@dataclass(frozen=True, slots=True)
class SignOut:
    refresh_token: str


@dataclass(frozen=True, slots=True)
class Authorize:
    access_token: str


@dataclass(frozen=True, slots=True)
class UpdateProfile:
    """A partial update: ``None`` leaves a field as it is."""

    user_id: UUID
    full_name: str | None = None


@dataclass(frozen=True, slots=True)
class ChangePassword:
    user_id: UUID
    current_password: str
    new_password: str
    client: str


@dataclass(frozen=True, slots=True)
class ListUsers:
    """A page of users, newest first; ``after`` is the (created_at, id) of the last one seen."""

    actor: Actor
    role: Role | None = None
    text: str | None = None
    limit: int = 20
    after: tuple[datetime, UUID] | None = None


@dataclass(frozen=True, slots=True)
class GetUser:
    actor: Actor
    user_id: UUID


@dataclass(frozen=True, slots=True)
class GetUsers:
    """The accounts of ``user_ids`` that exist (a page's customers, say), in one read."""

    actor: Actor
    user_ids: frozenset[UUID]


@dataclass(frozen=True, slots=True)
class FindUserByEmail:
    actor: Actor
    email: str


@dataclass(frozen=True, slots=True)
class UnlockUser:
    actor: Actor
    email: str


@dataclass(frozen=True, slots=True)
class UpdateUser:
    """An admin's change to another account; ``None`` leaves a field as it is."""

    actor: Actor
    user_id: UUID
    role: Role | None = None
    is_active: bool | None = None


@dataclass(frozen=True, slots=True)
class TokenPair:
    access_token: str
    expires_in: int
    refresh_token: str


UserPage = Page[User, tuple[datetime, UUID]]


@dataclass(frozen=True, slots=True)
class AdminAccount:
    user: User
    created: bool
