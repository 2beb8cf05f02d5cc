from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum
from uuid import UUID

from domain.shared.aggregate import Aggregate
from domain.shared.text import clean_text
from domain.users.email import Email
from domain.users.errors import LastAdmin
from domain.users.events import (
    PasswordChanged,
    RoleChanged,
    UserActivated,
    UserDeactivated,
    UserRegistered,
)

FULL_NAME_MAX_LENGTH = 200


class Role(StrEnum):
    CUSTOMER = "customer"
    ADMIN = "admin"


def _clean_full_name(full_name: str) -> str:
    return clean_text("full_name", full_name, longest=FULL_NAME_MAX_LENGTH)


@dataclass(eq=False, slots=True)
class User(Aggregate):
    """The account aggregate.

    ``credentials_version`` goes up whenever the credentials change or access is cut
    (password change, deactivation): access tokens carry it, so every token issued
    before is refused at once. ``version`` guards against lost updates.
    """

    id: UUID
    email: Email
    full_name: str
    password_hash: str
    role: Role
    is_active: bool
    created_at: datetime
    credentials_version: int = 1
    version: int = 1

    @classmethod
    def register(
        cls,
        *,
        id: UUID,
        email: Email,
        full_name: str,
        password_hash: str,
        now: datetime,
        role: Role = Role.CUSTOMER,
    ) -> "User":
        user = cls(
            id=id,
            email=email,
            full_name=_clean_full_name(full_name),
            password_hash=password_hash,
            role=role,
            is_active=True,
            created_at=now,
        )
        user.record(UserRegistered(id, email.value, role.value))
        return user

    @property
    def is_active_admin(self) -> bool:
        return self.is_active and self.role is Role.ADMIN

    def rename(self, full_name: str) -> None:
        self.full_name = _clean_full_name(full_name)

    def change_password(self, new_hash: str) -> None:
        """A new password: every token issued before stops working."""
        self.password_hash = new_hash
        self.credentials_version += 1
        self.record(PasswordChanged(self.id))

    def upgrade_hash(self, new_hash: str) -> None:
        """The same password under stronger hashing parameters: tokens stay valid."""
        self.password_hash = new_hash

    def change_role(self, role: Role, *, active_admins: int) -> None:
        if role is self.role:
            return
        if role is not Role.ADMIN:
            self._ensure_another_admin_remains(active_admins)
        self.role = role
        self.record(RoleChanged(self.id, role.value))

    def deactivate(self, *, active_admins: int) -> None:
        if not self.is_active:
            return
        self._ensure_another_admin_remains(active_admins)
        self.is_active = False
        self.credentials_version += 1
        self.record(UserDeactivated(self.id))

    def activate(self) -> None:
        if self.is_active:
            return
        self.is_active = True
        self.record(UserActivated(self.id))

    def _ensure_another_admin_remains(self, active_admins: int) -> None:
        """``active_admins`` counts every active admin, this user included."""
        if self.is_active_admin and active_admins <= 1:
            raise LastAdmin("The last active admin can be neither demoted nor deactivated")
