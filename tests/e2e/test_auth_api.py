import asyncio
import json
import logging
from datetime import UTC, datetime, timedelta
from uuid import uuid4

import httpx
import jwt
import pytest
from redis.asyncio import Redis

from entrypoints.settings import Settings
from tests.e2e.conftest import (
    API,
    assert_problem,
    bearer,
    build_container,
    register,
    serving,
    sign_in,
    worker,
)
from tests.factories import PASSWORD
from tests.jwt_claims import access_claims

SECRET = "an-e2e-signing-key-of-32-bytes-or-more"


async def test_registering_returns_the_user_and_never_the_password(
    client: httpx.AsyncClient,
) -> None:
    response = await client.post(
        f"{API}/auth/register",
        json={"email": "Ada@Example.com", "password": PASSWORD, "full_name": "Ada Lovelace"},
    )
    assert response.status_code == 201
    body = response.json()
    assert set(body) == {"id", "email", "full_name", "role", "is_active", "created_at"}
    assert (body["email"], body["role"], body["is_active"]) == ("ada@example.com", "customer", True)
    assert body["created_at"].endswith("Z")


async def test_an_email_taken_in_another_case_is_a_conflict(client: httpx.AsyncClient) -> None:
    await register(client, email="ada@example.com")
    response = await client.post(
        f"{API}/auth/register",
        json={"email": "ADA@example.com", "password": PASSWORD, "full_name": "Other"},
    )
    assert_problem(response, 409, "email_taken")


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"password": "short"}, "password"),
        ({"password": "x" * 129}, "password"),
        ({"email": "not-an-email"}, "email"),
        ({"full_name": ""}, "full_name"),
        ({"role": "admin"}, "role"),
        ({"is_active": False}, "is_active"),
    ],
)
async def test_bad_or_extra_registration_fields_are_refused_and_nothing_is_created(
    client: httpx.AsyncClient, change: dict[str, object], field: str
) -> None:
    payload = {"email": "eve@example.com", "password": PASSWORD, "full_name": "Eve"} | change
    body = assert_problem(
        await client.post(f"{API}/auth/register", json=payload), 422, "validation_error"
    )
    assert ["body", field] in [e["loc"] for e in body["errors"]]
    refused = await client.post(
        f"{API}/auth/token", data={"username": "eve@example.com", "password": PASSWORD}
    )
    assert_problem(refused, 401, "invalid_credentials")


async def test_signing_in_gives_a_bearer_token_pair(client: httpx.AsyncClient) -> None:
    user = await register(client)
    tokens = await sign_in(client, user["email"].upper())
    assert tokens["token_type"] == "bearer" and tokens["expires_in"] == 900
    me = await client.get(f"{API}/users/me", headers=bearer(tokens["access_token"]))
    assert me.json()["id"] == user["id"]


async def test_wrong_password_and_unknown_email_get_the_same_answer(
    client: httpx.AsyncClient,
) -> None:
    user = await register(client)
    wrong = await client.post(
        f"{API}/auth/token", data={"username": user["email"], "password": "nope-nope"}
    )
    unknown = await client.post(
        f"{API}/auth/token", data={"username": "who@example.com", "password": PASSWORD}
    )
    bodies = [assert_problem(r, 401, "invalid_credentials") for r in (wrong, unknown)]
    assert [{k: b[k] for k in ("title", "detail", "code")} for b in bodies] == [
        {k: bodies[0][k] for k in ("title", "detail", "code")}
    ] * 2
    assert wrong.headers["www-authenticate"] == unknown.headers["www-authenticate"] == "Bearer"


async def test_failed_sign_ins_are_throttled_with_retry_after(client: httpx.AsyncClient) -> None:
    user = await register(client)
    for _ in range(5):
        failed = await client.post(
            f"{API}/auth/token", data={"username": user["email"], "password": "bad-pass"}
        )
        assert failed.status_code == 401
    limited = await client.post(
        f"{API}/auth/token", data={"username": user["email"], "password": PASSWORD}
    )
    assert_problem(limited, 429, "rate_limited")
    assert 0 < int(limited.headers["retry-after"]) <= 300


async def test_failed_sign_ins_and_throttling_are_in_the_audit_log_without_the_password(
    client: httpx.AsyncClient, caplog: pytest.LogCaptureFixture
) -> None:
    user = await register(client)
    caplog.set_level(logging.INFO, "emporium.events")
    for _ in range(6):
        await client.post(
            f"{API}/auth/token", data={"username": user["email"], "password": "bad-pass"}
        )
    lines = [json.loads(r.getMessage()) for r in caplog.records if r.name == "emporium.events"]
    assert [(line["type"], line["data"]) for line in lines] == [
        ("security.sign_in_failed", {"email": user["email"]})
    ] * 5 + [("security.rate_limited", {"policy": "login", "path": f"{API}/auth/token"})]
    assert all(line["request_id"] and line["client"] for line in lines)
    assert "bad-pass" not in caplog.text


async def test_without_a_token_the_answer_is_401_with_a_challenge(
    client: httpx.AsyncClient,
) -> None:
    response = await client.get(f"{API}/users/me")
    assert_problem(response, 401, "not_authenticated")
    assert response.headers["www-authenticate"] == "Bearer"


def _claims(user_id: str, **changes: object) -> dict[str, object]:
    return access_claims(sub=user_id, **changes)


FORGERIES = {
    "alg-none": lambda uid: jwt.encode(_claims(uid), None, "none"),
    "wrong-key": lambda uid: jwt.encode(
        _claims(uid), "another-key-that-is-32-bytes-long!!", "HS256"
    ),
    "expired": lambda uid: jwt.encode(
        _claims(uid, exp=datetime.now(UTC) - timedelta(seconds=30)), SECRET, "HS256"
    ),
    "no-exp": lambda uid: jwt.encode(_claims(uid, exp=None), SECRET, "HS256"),
    "no-jti": lambda uid: jwt.encode(_claims(uid, jti=None), SECRET, "HS256"),
    "wrong-audience": lambda uid: jwt.encode(_claims(uid, aud="someone-else"), SECRET, "HS256"),
    "refresh-type": lambda uid: jwt.encode(_claims(uid, type="refresh"), SECRET, "HS256"),
}


@pytest.mark.parametrize("forgery", FORGERIES)
async def test_forged_tokens_are_refused(client: httpx.AsyncClient, forgery: str) -> None:
    user = await register(client)
    response = await client.get(f"{API}/users/me", headers=bearer(FORGERIES[forgery](user["id"])))
    assert_problem(response, 401, "invalid_token")
    assert response.headers["www-authenticate"].startswith("Bearer")


async def test_a_refresh_token_is_not_an_access_token(
    client: httpx.AsyncClient, customer: dict
) -> None:
    response = await client.get(
        f"{API}/users/me", headers=bearer(customer["tokens"]["refresh_token"])
    )
    assert_problem(response, 401, "invalid_token")


@pytest.mark.parametrize(
    "look_alike", ["cafe\u0301@example.com", "CAFÉ@example.com", "\uff43\uff41f\u00e9@example.com"]
)
async def test_a_look_alike_of_a_registered_email_is_taken(
    client: httpx.AsyncClient, look_alike: str
) -> None:
    await register(client, email="café@example.com")
    response = await client.post(
        f"{API}/auth/register",
        json={"email": look_alike, "password": PASSWORD, "full_name": "Copy Cat"},
    )
    assert_problem(response, 409, "email_taken")


@pytest.mark.parametrize("email", ["c\u0430fe@example.com", "ca\u200dfe@example.com"])
async def test_disguised_emails_are_refused_at_registration(
    client: httpx.AsyncClient, email: str
) -> None:
    response = await client.post(
        f"{API}/auth/register", json={"email": email, "password": PASSWORD, "full_name": "X"}
    )
    assert_problem(response, 422, "validation_error")


async def test_a_double_submitted_refresh_is_refused_and_closes_nothing(
    client: httpx.AsyncClient, customer: dict
) -> None:
    first = customer["tokens"]["refresh_token"]
    answers = await asyncio.gather(
        *(client.post(f"{API}/auth/refresh", json={"refresh_token": first}) for _ in range(2))
    )
    assert sorted(a.status_code for a in answers) == [200, 401]
    new = next(a for a in answers if a.status_code == 200).json()
    again = await client.post(f"{API}/auth/refresh", json={"refresh_token": first})
    assert_problem(again, 401, "invalid_token")
    after = await client.post(f"{API}/auth/refresh", json={"refresh_token": new["refresh_token"]})
    assert after.status_code == 200


async def test_with_a_strict_grace_reuse_closes_every_session(
    settings: Settings, customer: dict
) -> None:
    strict = build_container(settings.model_copy(update={"refresh_reuse_grace": 0}))
    async with serving(strict) as client:
        await _reuse_closes_every_session(client, customer)


async def _reuse_closes_every_session(client: httpx.AsyncClient, customer: dict) -> None:
    first = customer["tokens"]["refresh_token"]
    rotated = await client.post(f"{API}/auth/refresh", json={"refresh_token": first})
    assert rotated.status_code == 200
    new = rotated.json()
    assert (
        await client.get(f"{API}/users/me", headers=bearer(new["access_token"]))
    ).status_code == 200

    reuse = await client.post(f"{API}/auth/refresh", json={"refresh_token": first})
    assert_problem(reuse, 401, "invalid_token")
    after = await client.post(f"{API}/auth/refresh", json={"refresh_token": new["refresh_token"]})
    assert_problem(after, 401, "invalid_token")


async def test_logging_out_revokes_the_refresh_token(
    client: httpx.AsyncClient, customer: dict
) -> None:
    token = customer["tokens"]["refresh_token"]
    assert (
        await client.post(f"{API}/auth/logout", json={"refresh_token": token})
    ).status_code == 204
    assert_problem(
        await client.post(f"{API}/auth/refresh", json={"refresh_token": token}),
        401,
        "invalid_token",
    )


async def test_changing_the_password_cuts_old_tokens(
    client: httpx.AsyncClient, customer: dict
) -> None:
    old = customer["tokens"]
    wrong = await client.post(
        f"{API}/users/me/password",
        json={"current_password": "not-it-at-all", "new_password": "brand new pass"},
        headers=bearer(old["access_token"]),
    )
    assert_problem(wrong, 401, "invalid_credentials")
    changed = await client.post(
        f"{API}/users/me/password",
        json={"current_password": PASSWORD, "new_password": "brand new pass"},
        headers=bearer(old["access_token"]),
    )
    assert changed.status_code == 204

    assert_problem(
        await client.get(f"{API}/users/me", headers=bearer(old["access_token"])),
        401,
        "invalid_token",
    )
    assert_problem(
        await client.post(f"{API}/auth/refresh", json={"refresh_token": old["refresh_token"]}),
        401,
        "invalid_token",
    )
    new = await sign_in(client, customer["email"], "brand new pass")
    assert (
        await client.get(f"{API}/users/me", headers=bearer(new["access_token"]))
    ).status_code == 200


@pytest.mark.redis
async def test_workers_sharing_redis_share_the_login_throttle(
    settings: Settings, redis_url: str
) -> None:
    prefix = f"emporium-test-{uuid4().hex}:"
    shared = settings.model_copy(
        update={"redis_url": redis_url, "redis_prefix": prefix, "login_max_failures_per_email": 2}
    )
    try:
        async with worker(shared) as first, worker(shared) as second:
            user = await register(first)
            for client in (first, second):
                failed = await client.post(
                    f"{API}/auth/token", data={"username": user["email"], "password": "bad-pass"}
                )
                assert failed.status_code == 401
            limited = await first.post(
                f"{API}/auth/token", data={"username": user["email"], "password": PASSWORD}
            )
            assert_problem(limited, 429, "rate_limited")
    finally:
        redis = Redis.from_url(redis_url)
        if keys := [key async for key in redis.scan_iter(match=f"{prefix}*")]:
            await redis.delete(*keys)
        await redis.aclose()


async def test_the_swagger_authorize_form_signs_in(client: httpx.AsyncClient) -> None:
    user = await register(client)
    # What the Swagger UI's Authorize dialog posts for the password flow.
    response = await client.post(
        f"{API}/auth/token",
        data={
            "grant_type": "password",
            "username": user["email"],
            "password": PASSWORD,
            "scope": "",
        },
    )
    assert response.status_code == 200 and response.json()["token_type"] == "bearer"


@pytest.mark.parametrize(
    "form",
    [
        {"username": "x" * 321, "password": PASSWORD},
        {"username": "a@example.com", "password": "x" * 1025},
        {"username": "a@example.com", "password": PASSWORD, "grant_type": "client_credentials"},
        {"password": PASSWORD},
    ],
)
async def test_a_malformed_sign_in_form_is_a_422(client: httpx.AsyncClient, form: dict) -> None:
    assert_problem(await client.post(f"{API}/auth/token", data=form), 422, "validation_error")


@pytest.mark.parametrize(
    "change",
    [{"email": "a\u0000b@example.com"}, {"full_name": "Eve\u0000"}, {"full_name": "\u0007"}],
)
async def test_control_characters_are_refused(client: httpx.AsyncClient, change: dict) -> None:
    payload = {"email": "eve@example.com", "password": PASSWORD, "full_name": "Eve"} | change
    assert_problem(await client.post(f"{API}/auth/register", json=payload), 422, "validation_error")


@pytest.mark.parametrize(
    "send",
    [
        {"json": {"username": "a@example.com", "password": "long enough"}},
        {
            "content": b"username=a@example.com&password=x",
            "headers": {"content-type": "text/plain"},
        },
        {},
    ],
)
async def test_a_sign_in_that_is_not_a_form_is_told_to_send_one(
    client: httpx.AsyncClient, send: dict
) -> None:
    body = assert_problem(await client.post(f"{API}/auth/token", **send), 422, "validation_error")
    [error] = body["errors"]
    assert error["loc"] == ["body"] and "form-encoded" in error["msg"]
