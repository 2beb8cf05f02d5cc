"""The reference server: bare Starlette + asyncpg + orjson doing exactly the work of the
Emporium endpoints it is measured against, on the same database.

- GET /health/live: {"status": "ok"}.
- GET /api/v1/users/me: the same access-token check (HS256 pinned, issuer, audience,
  every claim required, numeric times against the clock with the same leeway), the
  same row read by primary key, the same active and credentials-version checks, the
  same JSON.

Run it as the harness does: EMPORIUM_DATABASE_URL=postgresql://... and
EMPORIUM_SECRET_KEY=... in the environment, then
``uvicorn benchmarks.reference:app --no-access-log``.
"""

import math
import os
import time
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from uuid import UUID

import asyncpg
import jwt
import orjson
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

KEY = os.environ["EMPORIUM_SECRET_KEY"]
DATABASE = os.environ["EMPORIUM_DATABASE_URL"].replace("postgresql+asyncpg", "postgresql")
POOL_SIZE = int(os.environ.get("EMPORIUM_DATABASE_POOL_SIZE", "20"))
REQUIRED = ["sub", "role", "iat", "exp", "jti", "iss", "aud", "type", "ver"]
LEEWAY = 5
USER_BY_ID = (
    "SELECT id, email, full_name, role, is_active, created_at, credentials_version "
    "FROM users WHERE id = $1"
)


def _json(body: object, status: int = 200) -> Response:
    return Response(orjson.dumps(body), status, media_type="application/json")


def _unauthorized() -> Response:
    return _json({"code": "invalid_token"}, 401)


async def live(_: Request) -> Response:
    return _json({"status": "ok"})


async def me(request: Request) -> Response:
    scheme, _, token = request.headers.get("authorization", "").partition(" ")
    if scheme.lower() != "bearer" or not token:
        return _unauthorized()
    try:
        claims = jwt.decode(
            token,
            KEY,
            algorithms=["HS256"],
            audience="emporium-api",
            issuer="emporium",
            options={"require": REQUIRED, "verify_exp": False, "verify_iat": False},
        )
        user_id = UUID(claims["sub"])
    except (jwt.InvalidTokenError, ValueError, TypeError):
        return _unauthorized()
    times = [claims["exp"], claims["iat"]]
    if not all(
        isinstance(t, int | float) and not isinstance(t, bool) and math.isfinite(t) for t in times
    ):
        return _unauthorized()
    now = time.time()
    if claims["type"] != "access" or now >= claims["exp"] + LEEWAY or claims["iat"] > now + LEEWAY:
        return _unauthorized()
    async with request.app.state.pool.acquire() as conn:
        row = await conn.fetchrow(USER_BY_ID, user_id)
    if row is None or not row["is_active"] or row["credentials_version"] != claims["ver"]:
        return _unauthorized()
    return _json(
        {
            "id": str(row["id"]),
            "email": row["email"],
            "full_name": row["full_name"],
            "role": row["role"],
            "is_active": row["is_active"],
            "created_at": row["created_at"].isoformat().replace("+00:00", "Z"),
        }
    )


@asynccontextmanager
async def lifespan(app: Starlette) -> AsyncIterator[None]:
    app.state.pool = await asyncpg.create_pool(DATABASE, min_size=POOL_SIZE, max_size=POOL_SIZE)
    yield
    await app.state.pool.close()


app = Starlette(
    routes=[Route("/health/live", live), Route("/api/v1/users/me", me)], lifespan=lifespan
)
