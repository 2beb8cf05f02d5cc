import base64
import json
from datetime import timedelta

import jwt
import pytest

from adapters.security.tokens import JwtTokenService
from application.users.errors import InvalidToken
from tests.factories import UserFactory
from tests.fakes import FakeClock
from tests.jwt_claims import access_claims

KEY = "a-signing-key-long-enough-for-any-hmac-algorithm-under-test-64by"


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock()


@pytest.fixture
def tokens(clock: FakeClock) -> JwtTokenService:
    return JwtTokenService(
        secret_key=KEY,
        issuer="emporium",
        audience="emporium-api",
        access_ttl_seconds=900,
        refresh_ttl_seconds=3600,
        clock=clock,
    )


def claims_for(clock: FakeClock, **changes: object) -> dict[str, object]:
    return access_claims(now=clock.now(), **changes)


def test_an_issued_token_verifies_to_its_user(tokens: JwtTokenService, clock: FakeClock) -> None:
    user = UserFactory(credentials_version=3)
    issued = tokens.issue_access(user, clock.now())
    claims = tokens.verify_access(issued.token)
    assert (claims.user_id, claims.credentials_version, issued.expires_in) == (user.id, 3, 900)


def test_the_token_carries_the_contract_claims(tokens: JwtTokenService, clock: FakeClock) -> None:
    token = tokens.issue_access(UserFactory(), clock.now()).token
    header = jwt.get_unverified_header(token)
    claims = jwt.decode(token, options={"verify_signature": False})
    assert header["alg"] == "HS256"
    assert {"sub", "role", "iat", "exp", "jti", "iss", "aud", "type"} <= claims.keys()
    assert claims["type"] == "access" and claims["exp"] - claims["iat"] == 900


def test_a_token_expires_after_its_lifetime(tokens: JwtTokenService, clock: FakeClock) -> None:
    token = tokens.issue_access(UserFactory(), clock.now()).token
    clock.advance(899)
    tokens.verify_access(token)
    clock.advance(10)
    with pytest.raises(InvalidToken, match="expired"):
        tokens.verify_access(token)


def _unsigned(claims: dict[str, object]) -> str:
    def part(data: dict[str, object]) -> str:
        return base64.urlsafe_b64encode(json.dumps(data, default=str).encode()).decode().rstrip("=")

    return f"{part({'alg': 'none', 'typ': 'JWT'})}.{part(claims)}."


def _signed_raw(claims: dict[str, object], **raw: object) -> str:
    """Signed claims with values PyJWT would not write itself (strings, NaN...)."""
    header = {"alg": "HS256", "typ": "JWT"}
    body = jwt.decode(jwt.encode(claims, KEY, "HS256"), options={"verify_signature": False})
    return jwt.api_jws.encode(
        json.dumps(body | raw, allow_nan=True).encode(), KEY, "HS256", headers=header
    )


def test_a_token_issued_within_the_leeway_of_now_is_accepted(
    tokens: JwtTokenService, clock: FakeClock
) -> None:
    token = jwt.encode(claims_for(clock, iat=clock.now() + timedelta(seconds=3)), KEY, "HS256")
    tokens.verify_access(token)


@pytest.mark.parametrize(
    "forge",
    [
        pytest.param(lambda c: _unsigned(claims_for(c, iat=1, exp=4102444800)), id="alg-none"),
        pytest.param(lambda c: jwt.encode(claims_for(c), "x" * 32, "HS256"), id="wrong-key"),
        pytest.param(lambda c: jwt.encode(claims_for(c), KEY, "HS512"), id="other-algorithm"),
        pytest.param(lambda c: jwt.encode(claims_for(c, aud="other"), KEY, "HS256"), id="audience"),
        pytest.param(lambda c: jwt.encode(claims_for(c, iss="other"), KEY, "HS256"), id="issuer"),
        pytest.param(lambda c: jwt.encode(claims_for(c, type="refresh"), KEY, "HS256"), id="type"),
        pytest.param(lambda c: jwt.encode(claims_for(c, sub="me"), KEY, "HS256"), id="bad-sub"),
        pytest.param(
            lambda c: jwt.encode(claims_for(c, exp=c.now() - timedelta(minutes=1)), KEY, "HS256"),
            id="expired",
        ),
        pytest.param(lambda c: "not.a.jwt", id="garbage"),
        pytest.param(
            lambda c: jwt.encode(claims_for(c, iat=c.now() + timedelta(minutes=5)), KEY, "HS256"),
            id="issued-in-the-future",
        ),
        pytest.param(
            lambda c: jwt.encode(claims_for(c, nbf=c.now() + timedelta(minutes=5)), KEY, "HS256"),
            id="not-before-in-the-future",
        ),
        pytest.param(lambda c: jwt.encode(claims_for(c, ver="1"), KEY, "HS256"), id="ver-string"),
        pytest.param(lambda c: jwt.encode(claims_for(c, ver=True), KEY, "HS256"), id="ver-bool"),
    ]
    + [
        pytest.param(
            lambda c, claim=claim, value=value: _signed_raw(claims_for(c), **{claim: value}),
            id=f"{claim}-{value!r}",
        )
        for claim in ("exp", "iat")
        for value in ("nan", "4102444800", True, None, [1], float("inf"), float("nan"))
    ]
    + [
        pytest.param(
            lambda c, claim=claim: jwt.encode(claims_for(c, **{claim: None}), KEY, "HS256"),
            id=f"missing-{claim}",
        )
        for claim in ("sub", "role", "iat", "exp", "jti", "iss", "aud", "type", "ver")
    ],
)
def test_forged_or_broken_tokens_are_refused(
    tokens: JwtTokenService, clock: FakeClock, forge: object
) -> None:
    with pytest.raises(InvalidToken):
        tokens.verify_access(forge(clock))  # type: ignore[operator]


def test_a_short_signing_key_is_refused(clock: FakeClock) -> None:
    with pytest.raises(ValueError, match="32 bytes"):
        JwtTokenService(
            secret_key="short",
            issuer="i",
            audience="a",
            access_ttl_seconds=1,
            refresh_ttl_seconds=1,
            clock=clock,
        )


def test_refresh_secrets_are_long_and_unique(tokens: JwtTokenService) -> None:
    secrets = {tokens.new_refresh_secret() for _ in range(100)}
    assert len(secrets) == 100 and all(len(s) >= 43 for s in secrets)
