"""The reference server: bare Starlette + asyncpg + orjson doing exactly the work of the
Emporium endpoints it is measured against, on the same database.

- GET /health/live: {"status": "ok"}.
- GET /api/v1/users/me: the same access-token check (HS256 pinned, issuer, audience,
  every claim required, numeric times against the clock with the same leeway), the
  same row read by primary key, the same active and credentials-version checks, the
  same JSON.
- GET /api/v1/products/{id} (anonymous): the same row read by primary key, archived
  ones not found, the same JSON and ETag.
- GET /api/v1/products (anonymous): the first page of 20, newest first, by the same
  index, with a next cursor signed the same way (HMAC-SHA256).

Run it as the harness does: EMPORIUM_DATABASE_URL=postgresql://... and
EMPORIUM_SECRET_KEY=... in the environment, then
``uvicorn benchmarks.reference:app --no-access-log``.
"""

import base64
import hashlib
import hmac
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


PRODUCT_BY_ID = (
    "SELECT id, sku, name, description, price_minor, currency, stock, is_active, version, "
    "created_at, updated_at FROM products WHERE id = $1"
)
NEWEST_PRODUCTS = (
    "SELECT id, sku, name, description, price_minor, currency, stock, is_active, version, "
    "created_at, updated_at FROM products WHERE is_active "
    "ORDER BY created_at DESC, id DESC LIMIT $1"
)
CURSOR_KEY = hmac.new(KEY.encode(), b"emporium cursor v2", hashlib.sha256).digest()


def _json(body: object, status: int = 200, headers: dict[str, str] | None = None) -> Response:
    return Response(orjson.dumps(body), status, headers, media_type="application/json")


def _time(moment: object) -> str:
    return moment.isoformat().replace("+00:00", "Z")  # type: ignore[attr-defined]


def _product(row: asyncpg.Record) -> dict[str, object]:
    minor = row["price_minor"]
    return {
        "id": str(row["id"]),
        "sku": row["sku"],
        "name": row["name"],
        "description": row["description"],
        "price": {"amount": f"{minor // 100}.{minor % 100:02d}", "currency": row["currency"]},
        "stock": row["stock"],
        "is_active": row["is_active"],
        "version": row["version"],
        "created_at": _time(row["created_at"]),
        "updated_at": _time(row["updated_at"]),
    }


def _cursor(row: asyncpg.Record) -> str:
    payload = orjson.dumps([row["created_at"].isoformat(), str(row["id"])])
    mac = hmac.new(CURSOR_KEY, b"products:-created_at\x00" + payload, hashlib.sha256).digest()
    encode = base64.urlsafe_b64encode
    return f"{encode(payload).decode().rstrip('=')}.{encode(mac[:16]).decode().rstrip('=')}"


async def product(request: Request) -> Response:
    try:
        product_id = UUID(request.path_params["product_id"])
    except ValueError:
        return _json({"code": "validation_error"}, 422)
    async with request.app.state.pool.acquire() as conn:
        row = await conn.fetchrow(PRODUCT_BY_ID, product_id)
    if row is None or not row["is_active"]:
        return _json({"code": "not_found"}, 404)
    return _json(_product(row), headers={"ETag": f'"{row["version"]}"'})


async def products(request: Request) -> Response:
    async with request.app.state.pool.acquire() as conn:
        rows = await conn.fetch(NEWEST_PRODUCTS, 21)
    page = rows[:20]
    next_cursor = _cursor(page[-1]) if len(rows) > 20 else None
    return _json({"items": [_product(row) for row in page], "next_cursor": next_cursor})


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
    routes=[
        Route("/health/live", live),
        Route("/api/v1/users/me", me),
        Route("/api/v1/products", products),
        Route("/api/v1/products/{product_id}", product),
    ],
    lifespan=lifespan,
)
