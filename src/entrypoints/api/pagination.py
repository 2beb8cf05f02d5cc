"""Opaque keyset cursors: the sort key of the last item of a page, signed.

A cursor is ``base64url(JSON).base64url(HMAC)``. The signature makes any cursor the API
did not give out (edited, forged, or made for another server's key) a 400
``invalid_cursor`` before a byte of it reaches a query; the values are checked again
all the same.
"""

import base64
import binascii
import hashlib
import hmac
import json
from datetime import UTC, datetime
from uuid import UUID

from domain.shared.errors import BadRequest

_MAC_BYTES = 16
# What the databases can store and compare: nothing outside this reaches a query.
_EARLIEST, _LATEST = datetime(1970, 1, 1, tzinfo=UTC), datetime(9999, 1, 1, tzinfo=UTC)


class InvalidCursor(BadRequest):
    code = "invalid_cursor"
    title = "Invalid cursor"


def _b64encode(raw: bytes) -> str:
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def _b64decode(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


class CursorCodec:
    """Signs and checks cursors with a key derived from the signing key (kept apart from
    the tokens' key by the derivation)."""

    def __init__(self, signing_key: str) -> None:
        self._key = hmac.new(signing_key.encode(), b"emporium cursor v1", hashlib.sha256).digest()

    def encode(self, position: tuple[datetime, UUID] | None) -> str | None:
        if position is None:
            return None
        created_at, item_id = position
        payload = json.dumps(
            [created_at.astimezone(UTC).isoformat(), str(item_id)], separators=(",", ":")
        ).encode()
        return f"{_b64encode(payload)}.{_b64encode(self._mac(payload))}"

    def decode(self, cursor: str | None) -> tuple[datetime, UUID] | None:
        if cursor is None:
            return None
        try:
            payload_text, mac_text = cursor.split(".")
            payload = _b64decode(payload_text)
            if not hmac.compare_digest(_b64decode(mac_text), self._mac(payload)):
                raise ValueError("bad signature")
            created_at, item_id = json.loads(payload)
            parsed = datetime.fromisoformat(created_at)
            if parsed.tzinfo is None:  # a naive time would be taken as local time
                raise ValueError("no time zone")
            moment = parsed.astimezone(UTC)
            position = moment, UUID(item_id)
        except (binascii.Error, UnicodeDecodeError, TypeError, ValueError, OverflowError) as error:
            raise InvalidCursor("The cursor is not one this API gave out") from error
        if not _EARLIEST <= moment <= _LATEST:
            raise InvalidCursor("The cursor is not one this API gave out")
        return position

    def _mac(self, payload: bytes) -> bytes:
        return hmac.new(self._key, payload, hashlib.sha256).digest()[:_MAC_BYTES]
