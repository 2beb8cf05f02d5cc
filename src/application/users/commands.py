"""The inputs and outputs of the accounts use cases: plain frozen dataclasses."""

from dataclasses import dataclass
from uuid import UUID

from domain.users import Role


@dataclass(frozen=True, slots=True)
class Register:
    email: str
    password: str
    full_name: str
    role: Role = Role.CUSTOMER


@dataclass(frozen=True, slots=True)
class SignIn:
    email: str
    password: str
    client: str


@dataclass(frozen=True, slots=True)
class UpdateProfile:
    user_id: UUID
    full_name: str


@dataclass(frozen=True, slots=True)
class ChangePassword:
    user_id: UUID
    current_password: str
    new_password: str
    client: str


@dataclass(frozen=True, slots=True)
class UpdateUser:
    """An admin's change to another account; ``None`` leaves a field as it is."""

    user_id: UUID
    role: Role | None = None
    is_active: bool | None = None


@dataclass(frozen=True, slots=True)
class TokenPair:
    access_token: str
    expires_in: int
    refresh_token: str
