"""Access tokens: JWT, HS256 pinned, every claim required. Refresh tokens: opaque
random strings (stored hashed by the use cases).

Expiry is checked against the injected clock rather than PyJWT's own reading of the
system time, so that issuing and checking agree on what "now" is."""

import math
import secrets
from datetime import datetime, timedelta
from uuid import UUID, uuid4

import jwt

from application.shared.ports import Clock
from application.users.errors import InvalidToken
from application.users.ports import AccessClaims, IssuedAccessToken
from domain.users import User

ALGORITHM = "HS256"
REQUIRED_CLAIMS = ["sub", "role", "iat", "exp", "jti", "iss", "aud", "type", "ver"]


_TIME_CLAIMS = ("exp", "iat", "nbf")


def _is_number(value: object) -> bool:
    """A JSON number that is a real instant: no string, boolean, NaN or infinity."""
    return isinstance(value, int | float) and not isinstance(value, bool) and math.isfinite(value)


def _is_integer(value: object) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


class JwtTokenService:
    def __init__(
        self,
        *,
        secret_key: str,
        issuer: str,
        audience: str,
        access_ttl_seconds: int,
        refresh_ttl_seconds: int,
        clock: Clock,
        leeway_seconds: int = 5,
    ) -> None:
        if len(secret_key.encode()) < 32:
            raise ValueError("the signing key must be at least 32 bytes")
        self._key = secret_key
        self._issuer, self._audience = issuer, audience
        self._access_ttl = access_ttl_seconds
        self.refresh_ttl_seconds = refresh_ttl_seconds
        self._clock = clock
        self._leeway = leeway_seconds

    def issue_access(self, user: User, now: datetime) -> IssuedAccessToken:
        claims = {
            "sub": str(user.id),
            "role": user.role.value,
            "iat": now,
            "exp": now + timedelta(seconds=self._access_ttl),
            "jti": uuid4().hex,
            "iss": self._issuer,
            "aud": self._audience,
            "type": "access",
            # The user's credentials version: a password change or deactivation raises
            # it, which voids every token issued before.
            "ver": user.credentials_version,
        }
        return IssuedAccessToken(jwt.encode(claims, self._key, ALGORITHM), self._access_ttl)

    def verify_access(self, token: str) -> AccessClaims:
        try:
            claims = jwt.decode(
                token,
                self._key,
                algorithms=[ALGORITHM],
                audience=self._audience,
                issuer=self._issuer,
                options={
                    "require": REQUIRED_CLAIMS,
                    "verify_exp": False,
                    "verify_iat": False,
                    "verify_nbf": False,
                },
            )
            user_id = UUID(claims["sub"])
        except (jwt.InvalidTokenError, ValueError, TypeError, AttributeError):
            raise InvalidToken("The access token is not valid") from None
        if claims["type"] != "access" or not _is_integer(claims["ver"]):
            raise InvalidToken("Not an access token")
        times = {name: claims[name] for name in _TIME_CLAIMS if name in claims}
        if not all(_is_number(value) for value in times.values()):
            raise InvalidToken("The access token's times are not numbers")
        now = self._clock.now().timestamp()
        if now >= times["exp"] + self._leeway:
            raise InvalidToken("The access token has expired")
        if any(times[name] > now + self._leeway for name in ("iat", "nbf") if name in times):
            raise InvalidToken("The access token is not valid yet")
        return AccessClaims(user_id, claims["ver"])

    def new_refresh_secret(self) -> str:
        return secrets.token_urlsafe(32)
