from dataclasses import dataclass
from uuid import UUID

from domain.shared.events import DomainEvent


@dataclass(frozen=True, slots=True)
class UserRegistered(DomainEvent):
    user_id: UUID
    email: str
    role: str


@dataclass(frozen=True, slots=True)
class PasswordChanged(DomainEvent):
    user_id: UUID


@dataclass(frozen=True, slots=True)
class RoleChanged(DomainEvent):
    user_id: UUID
    role: str


@dataclass(frozen=True, slots=True)
class UserDeactivated(DomainEvent):
    user_id: UUID


@dataclass(frozen=True, slots=True)
class UserActivated(DomainEvent):
    user_id: UUID
