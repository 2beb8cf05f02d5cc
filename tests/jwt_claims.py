"""Hand-made access-token claims, for forging tokens in tests."""

from datetime import UTC, datetime, timedelta
from uuid import uuid4


def access_claims(*, now: datetime | None = None, **changes: object) -> dict[str, object]:
    """A complete, valid claim set; a change to ``None`` leaves that claim out."""
    now = now or datetime.now(UTC)
    claims: dict[str, object] = {
        "sub": str(uuid4()),
        "role": "admin",
        "iat": now,
        "exp": now + timedelta(minutes=5),
        "jti": uuid4().hex,
        "iss": "emporium",
        "aud": "emporium-api",
        "type": "access",
        "ver": 1,
    }
    return {k: v for k, v in (claims | changes).items() if v is not None}
