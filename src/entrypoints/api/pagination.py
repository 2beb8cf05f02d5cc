"""Opaque keyset cursors: the sort key of the last item of a page, base64url-encoded."""

import base64
import binascii
import json
from datetime import datetime
from uuid import UUID

from domain.shared.errors import DomainError


class InvalidCursor(DomainError):
    code = "invalid_cursor"
    title = "Invalid cursor"


def encode_cursor(position: tuple[datetime, UUID] | None) -> str | None:
    if position is None:
        return None
    created_at, item_id = position
    raw = json.dumps([created_at.isoformat(), str(item_id)], separators=(",", ":"))
    return base64.urlsafe_b64encode(raw.encode()).decode().rstrip("=")


def decode_cursor(cursor: str | None) -> tuple[datetime, UUID] | None:
    if cursor is None:
        return None
    try:
        raw = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4))
        created_at, item_id = json.loads(raw)
        position = datetime.fromisoformat(created_at), UUID(item_id)
    except (binascii.Error, UnicodeDecodeError, TypeError, ValueError) as error:
        raise InvalidCursor("The cursor is not one this API gave out") from error
    if position[0].tzinfo is None:
        raise InvalidCursor("The cursor is not one this API gave out")
    return position
