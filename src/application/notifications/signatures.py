"""Standard Webhooks signatures (https://www.standardwebhooks.com): a secret is
``whsec_`` and base64 key bytes; a signature is ``v1,`` and the base64 HMAC-SHA256 of
``{id}.{timestamp}.{body}``, one per valid secret, space-separated."""

import base64
import hashlib
import hmac
import secrets
from collections.abc import Mapping

SECRET_PREFIX = "whsec_"  # noqa: S105 - a prefix, not a secret
SECRET_BYTES = 32


def new_secret() -> str:
    return SECRET_PREFIX + base64.b64encode(secrets.token_bytes(SECRET_BYTES)).decode()


def sign(secret: str, message_id: str, timestamp: int, body: str) -> str:
    key = base64.b64decode(secret.removeprefix(SECRET_PREFIX))
    signed = f"{message_id}.{timestamp}.{body}".encode()
    return "v1," + base64.b64encode(hmac.digest(key, signed, hashlib.sha256)).decode()


def signature_header(valid: list[str], message_id: str, timestamp: int, body: str) -> str:
    return " ".join(sign(secret, message_id, timestamp, body) for secret in valid)


def signed_headers(
    secrets: list[str], message_id: str, timestamp: int, body: str
) -> Mapping[str, str]:
    """A delivery's headers, as Standard Webhooks has them."""
    return {
        "content-type": "application/json",
        "webhook-id": message_id,
        "webhook-timestamp": str(timestamp),
        "webhook-signature": signature_header(secrets, message_id, timestamp, body),
    }
