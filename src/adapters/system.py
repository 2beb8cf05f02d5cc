"""The real clock and id generator."""

from datetime import UTC, datetime
from uuid import UUID

import uuid6


class SystemClock:
    def now(self) -> datetime:
        return datetime.now(UTC)


class Uuid7Generator:
    """Time-ordered ids (RFC 9562 version 7): they index like a sequence and leak nothing."""

    def new_id(self) -> UUID:
        return UUID(int=uuid6.uuid7().int)
