from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum
from uuid import UUID


class RevokeReason(StrEnum):
    LOGOUT = "logout"  # the holder signed out
    ROTATED = "rotated"  # traded for a new pair
    CLOSED = "closed"  # every session of the account ended (password, deactivation, theft)


@dataclass(frozen=True, slots=True)
class RefreshToken:
    """A stored refresh token. Only a hash of the secret the client holds is kept."""

    id: UUID
    user_id: UUID
    token_hash: str
    issued_at: datetime
    expires_at: datetime
    revoked_at: datetime | None = None
    revoked_reason: RevokeReason | None = None

    @property
    def is_revoked(self) -> bool:
        return self.revoked_at is not None

    def is_expired(self, now: datetime) -> bool:
        return now >= self.expires_at

    def reuse_means_theft(self, now: datetime, grace: timedelta) -> bool:
        """A revoked token came back. Only a *rotated* one coming back after the grace
        interval means two parties hold it; a retry after logout, or a double submit
        just after rotation (two tabs, a flaky network), is an honest client's."""
        if self.revoked_reason is not RevokeReason.ROTATED or self.revoked_at is None:
            return False
        return now - self.revoked_at >= grace if grace else True
