"""Opaque keyset cursors: the sort key and id of the last item of a page, signed.

A cursor is ``base64url(JSON).base64url(HMAC)``. The signature covers the payload and
the cursor's *scope* (the list and sort it was given out for), so that any cursor the
API did not give out for this very list (edited, forged, made for another sort or
another server's key) is a 400 ``invalid_cursor`` before a byte of it reaches a query.
The values are checked again all the same, against what the databases can compare.
"""

import base64
import binascii
import hashlib
import hmac
import json
from collections.abc import Callable
from datetime import UTC, datetime
from typing import TypeVar
from uuid import UUID

from domain.shared.errors import BadRequest

_MAC_BYTES = 16
_EARLIEST, _LATEST = datetime(1970, 1, 1, tzinfo=UTC), datetime(9999, 1, 1, tzinfo=UTC)
_INT64 = 2**63
_MAX_TEXT = 1000

Key = TypeVar("Key", bound=datetime | int | str)


class InvalidCursor(BadRequest):
    code = "invalid_cursor"
    title = "Invalid cursor"


def _b64encode(raw: bytes) -> str:
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def _b64decode(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def _dump_key(key: datetime | int | str) -> int | str:
    return key.astimezone(UTC).isoformat() if isinstance(key, datetime) else key


# How a cursor's key is read back, by what the list is sorted by. Each refuses (with a
# ValueError) anything a database could not compare.
def moment(raw: object) -> datetime:
    if not isinstance(raw, str):
        raise ValueError("not a time")
    parsed = datetime.fromisoformat(raw)
    if parsed.tzinfo is None:  # a naive time would be taken as local time
        raise ValueError("no time zone")
    moment = parsed.astimezone(UTC)
    if not _EARLIEST <= moment <= _LATEST:
        raise ValueError("out of range")
    return moment


def integer(raw: object) -> int:
    if type(raw) is not int or not -_INT64 <= raw < _INT64:
        raise ValueError("not a 64-bit integer")
    return raw


def text(raw: object) -> str:
    if not isinstance(raw, str) or len(raw) > _MAX_TEXT or "\x00" in raw:
        raise ValueError("not a text a database compares")
    return raw


class CursorCodec:
    """Signs and checks cursors with a key derived from the signing key (kept apart from
    the tokens' key by the derivation)."""

    def __init__(self, signing_key: str) -> None:
        self._key = hmac.new(signing_key.encode(), b"emporium cursor v2", hashlib.sha256).digest()

    def encode(self, position: tuple[datetime | int | str, UUID] | None, scope: str) -> str | None:
        if position is None:
            return None
        key, item_id = position
        payload = json.dumps(
            [_dump_key(key), str(item_id)], separators=(",", ":"), ensure_ascii=False
        ).encode()
        return f"{_b64encode(payload)}.{_b64encode(self._mac(scope, payload))}"

    def decode(
        self, cursor: str | None, scope: str, key: Callable[[object], Key]
    ) -> tuple[Key, UUID] | None:
        """The position ``cursor`` names, if this API gave it out for ``scope``; ``key``
        reads its sort key (``moment``, ``integer`` or ``text``)."""
        if cursor is None:
            return None
        try:
            payload_text, mac_text = cursor.split(".")
            payload = _b64decode(payload_text)
            if not hmac.compare_digest(_b64decode(mac_text), self._mac(scope, payload)):
                raise ValueError("bad signature")
            raw_key, item_id = json.loads(payload)
            return key(raw_key), UUID(item_id)
        except (binascii.Error, UnicodeDecodeError, TypeError, ValueError, OverflowError) as error:
            raise InvalidCursor("The cursor is not one this API gave out for this list") from error

    def _mac(self, scope: str, payload: bytes) -> bytes:
        message = scope.encode() + b"\x00" + payload
        return hmac.new(self._key, message, hashlib.sha256).digest()[:_MAC_BYTES]
