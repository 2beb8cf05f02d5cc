"""The reference server: bare Starlette + asyncpg + orjson doing exactly the work of the
Emporium endpoints it is measured against, on the same database.

- GET /health/live: {"status": "ok"}.
- GET /api/v1/users/me: the same access-token check (HS256 pinned, issuer, audience,
  every claim required, numeric times against the clock with the same leeway), the
  same row read by primary key, the same active and credentials-version checks, the
  same JSON.
- GET /api/v1/products/{id} (anonymous): the same row read by primary key, archived
  ones not found, the same JSON and ETag.
- GET /api/v1/products (anonymous): a page of 20, newest first, by the same index: the
  first, or the one after a cursor (its signature checked the same way, HMAC-SHA256),
  with a next cursor signed the same way.
- POST /api/v1/orders: the same token check and user row, the same body rules, then one
  transaction: the order's products locked in id order (``FOR UPDATE``), their stock
  lowered by a version-checked UPDATE, a ledger row per line, the order and its lines,
  and its ``order.placed`` event with the order's snapshot in the outbox; the same 201
  JSON and Location. (Emporium's in-process worker is off, as it is in production when
  `emporium worker` processes relay the outbox: neither server relays.)

It gets every advantage Emporium has: as many connections (as many as Emporium's two
pools together), opened at start, lent first come, first served from a list and kept
between requests, as Emporium's ``Connections`` keeps them (no pool's bookkeeping, and
no reset query: its transactions end themselves);
the same garbage-collector tuning; uvicorn with the same flags (no proxy headers).
And it does what Emporium does on every request that a client can see: a request id
on every answer, a ``Link`` to the next page, the catalog reads counted per client
address and the orders per customer, by the same in-memory limiter (429 past the
quota). What it leaves out is Emporium's own bookkeeping: metrics and logs.

Run it as the harness does: EMPORIUM_DATABASE_URL=postgresql://... and
EMPORIUM_SECRET_KEY=... in the environment, then
``uvicorn benchmarks.reference:app --no-access-log --no-proxy-headers``.
"""

import asyncio
import base64
import binascii
import hashlib
import hmac
import math
import os
import re
import secrets
import time
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import UTC, datetime, timedelta
from urllib.parse import urlencode
from uuid import UUID

import asyncpg
import jwt
import orjson
import uuid6
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from adapters.system import SystemClock
from adapters.throttle.memory import MemoryRateLimiter
from application.shared.ports import Quota
from domain.orders import MAX_LINES, MAX_QUANTITY
from domain.orders.address import FIELD_LIMITS
from domain.orders.countries import COUNTRY_CODES
from entrypoints.api.schemas.common import VISIBLE_TEXT_PATTERN
from entrypoints.api.serving import tune_collector
from entrypoints.settings import Settings

KEY = os.environ["EMPORIUM_SECRET_KEY"]
DATABASE = os.environ["EMPORIUM_DATABASE_URL"].replace("postgresql+asyncpg", "postgresql")
# As many connections as Emporium's worker holds: its writing and read-only pools.
POOL_SIZE = 2 * int(os.environ.get("EMPORIUM_DATABASE_POOL_SIZE", "5"))
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
PRODUCTS_AFTER = (
    "SELECT id, sku, name, description, price_minor, currency, stock, is_active, version, "
    "created_at, updated_at FROM products WHERE is_active AND (created_at, id) < ($2, $3) "
    "ORDER BY created_at DESC, id DESC LIMIT $1"
)
# A customer's placements queue on a lock of their own, and count what they hold unpaid.
LOCK_CUSTOMER = "SELECT pg_advisory_xact_lock($1)"
COUNT_PENDING = "SELECT count(*) FROM orders WHERE customer_id = $1 AND status = 'pending_payment'"
LOCK_PRODUCTS = (
    "SELECT id, sku, name, price_minor, currency, stock, is_active, version, movements "
    "FROM products WHERE id = ANY($1::uuid[]) ORDER BY id FOR UPDATE"
)
TAKE_STOCK = (
    "UPDATE products SET stock = stock - $3, version = version + 1, movements = movements + 1, "
    "updated_at = $4 WHERE id = $1 AND version = $2"
)
RECORD_MOVEMENT = (
    "INSERT INTO stock_movements (id, product_id, sequence, delta, stock_after, kind, reason, "
    "actor_id, order_id, created_at) "
    "VALUES ($1, $2, $3, $4, $5, 'order_reservation', 'order placed', $6, $7, $8)"
)
INSERT_ORDER = (
    "INSERT INTO orders (id, customer_id, status, total_minor, currency, ship_name, ship_line1, "
    "ship_line2, ship_city, ship_postal_code, ship_country, created_at, updated_at, "
    "payment_expires_at, payment_attempts, version) "
    "VALUES ($1, $2, 'pending_payment', $3, $4, $5, $6, coalesce($7, ''), $8, $9, $10, $11, $11, "
    "$12, 0, 1)"
)
INSERT_EVENT = (
    "INSERT INTO outbox (id, type, subject_id, subject_version, occurred_at, data, "
    "schema_version, request_id, actor, dispatched_at) "
    "VALUES ($1, 'order.placed', $2, 1, $3, $4, 1, $5, $6, NULL)"
)
INSERT_LINE = (
    "INSERT INTO order_lines (order_id, position, product_id, sku, name, unit_price_minor, "
    "quantity) VALUES ($1, $2, $3, $4, $5, $6, $7)"
)
ADDRESS_FIELDS = ["name", "line1", "line2", "city", "postal_code", "country"]
VISIBLE_TEXT = re.compile(VISIBLE_TEXT_PATTERN)
CURRENCY = os.environ.get("EMPORIUM_STORE_CURRENCY", "USD")
PAYMENT_TIMEOUT = timedelta(seconds=int(os.environ.get("EMPORIUM_ORDER_PAYMENT_TIMEOUT", "1800")))
MAX_PENDING = int(os.environ.get("EMPORIUM_ORDER_MAX_PENDING", "3"))


def _quota(name: str) -> Quota:
    """Emporium's quota for ``name``, from the same setting, with the same default."""
    default = Settings.model_fields[f"rate_limit_{name}"].default
    limit, window = os.environ.get(f"EMPORIUM_RATE_LIMIT_{name.upper()}", default).split("/")
    return Quota(name, int(limit), int(window))


CATALOG, ORDERS = _quota("catalog"), _quota("orders")
CURSOR_KEY = hmac.new(KEY.encode(), b"emporium cursor v2", hashlib.sha256).digest()


def _json(body: object, status: int = 200, headers: dict[str, str] | None = None) -> Response:
    # Every answer carries a request id, as Emporium's (the load sends none).
    headers = (headers or {}) | {"X-Request-ID": secrets.token_hex(16)}
    return Response(orjson.dumps(body), status, headers, media_type="application/json")


async def _counted(request: Request, quota: Quota, key: str) -> Response | None:
    """A 429 once ``key`` is over ``quota``, counted by Emporium's own in-memory limiter."""
    if wait := await request.app.state.limiter.hit(quota, key):
        return _json({"code": "rate_limited"}, 429, {"Retry-After": str(wait)})
    return None


def _client(request: Request) -> str:
    return request.client.host if request.client else "unknown"


def _time(moment: object) -> str:
    return moment.isoformat().replace("+00:00", "Z")  # type: ignore[attr-defined]


def _new_id() -> UUID:
    return UUID(int=uuid6.uuid7().int)  # time-ordered, as Emporium's ids


def _money(minor: int) -> dict[str, str]:
    return {"amount": f"{minor // 100}.{minor % 100:02d}", "currency": CURRENCY}


def _product(row: asyncpg.Record) -> dict[str, object]:
    return {
        "id": str(row["id"]),
        "sku": row["sku"],
        "name": row["name"],
        "description": row["description"],
        "price": _money(row["price_minor"]),
        "stock": row["stock"],
        "is_active": row["is_active"],
        "version": row["version"],
        "created_at": _time(row["created_at"]),
        "updated_at": _time(row["updated_at"]),
    }


def _mac(payload: bytes) -> bytes:
    return hmac.new(CURSOR_KEY, b"products:-created_at\x00" + payload, hashlib.sha256).digest()[:16]


def _cursor(row: asyncpg.Record) -> str:
    payload = orjson.dumps([row["created_at"].isoformat(), str(row["id"])])
    encode = base64.urlsafe_b64encode
    return f"{encode(payload).decode().rstrip('=')}.{encode(_mac(payload)).decode().rstrip('=')}"


def _position(cursor: str) -> tuple[datetime, UUID] | None:
    """The (created_at, id) a cursor names, if it is signed as Emporium signs them."""
    try:
        payload_text, mac_text = cursor.split(".")
        payload = base64.urlsafe_b64decode(payload_text + "=" * (-len(payload_text) % 4))
        mac = base64.urlsafe_b64decode(mac_text + "=" * (-len(mac_text) % 4))
        if not hmac.compare_digest(mac, _mac(payload)):
            return None
        moment, item_id = orjson.loads(payload)
        position = datetime.fromisoformat(moment), UUID(item_id)
    except (binascii.Error, orjson.JSONDecodeError, TypeError, ValueError):
        return None
    return position if position[0].tzinfo is not None else None


@asynccontextmanager
async def _connection(request: Request) -> AsyncIterator[asyncpg.Connection]:
    """A kept connection, first come, first served."""
    kept: list[asyncpg.Connection] = request.app.state.kept
    async with request.app.state.turns:
        conn = kept.pop()
        try:
            yield conn
        finally:
            kept.append(conn)


async def product(request: Request) -> Response:
    if refused := await _counted(request, CATALOG, _client(request)):
        return refused
    try:
        product_id = UUID(request.path_params["product_id"])
    except ValueError:
        return _json({"code": "validation_error"}, 422)
    async with _connection(request) as conn:
        row = await conn.fetchrow(PRODUCT_BY_ID, product_id)
    if row is None or not row["is_active"]:
        return _json({"code": "not_found"}, 404)
    return _json(_product(row), headers={"ETag": f'"{row["version"]}"'})


async def products(request: Request) -> Response:
    if refused := await _counted(request, CATALOG, _client(request)):
        return refused
    cursor = request.query_params.get("cursor")
    after = _position(cursor) if cursor is not None else None
    if cursor is not None and after is None:
        return _json({"code": "invalid_cursor"}, 400)
    async with _connection(request) as conn:
        if after is None:
            rows = await conn.fetch(NEWEST_PRODUCTS, 21)
        else:
            rows = await conn.fetch(PRODUCTS_AFTER, 21, *after)
    page = rows[:20]
    next_cursor = _cursor(page[-1]) if len(rows) > 20 else None
    # The next page as a link, as Emporium's (the request's query with its cursor set).
    links = (
        {"Link": f'<{request.scope["path"]}?{urlencode({"cursor": next_cursor})}>; rel="next"'}
        if next_cursor
        else None
    )
    return _json({"items": [_product(row) for row in page], "next_cursor": next_cursor}, 200, links)


def _unauthorized() -> Response:
    return _json({"code": "invalid_token"}, 401)


async def live(_: Request) -> Response:
    return _json({"status": "ok"})


def _claims(request: Request) -> dict[str, object] | None:
    """The access token's claims, checked as Emporium checks them, or None."""
    scheme, _, token = request.headers.get("authorization", "").partition(" ")
    if scheme.lower() != "bearer" or not token:
        return None
    try:
        claims = jwt.decode(
            token,
            KEY,
            algorithms=["HS256"],
            audience="emporium-api",
            issuer="emporium",
            options={"require": REQUIRED, "verify_exp": False, "verify_iat": False},
        )
        claims["sub"] = UUID(claims["sub"])
    except (jwt.InvalidTokenError, ValueError, TypeError):
        return None
    times = [claims["exp"], claims["iat"]]
    if not all(
        isinstance(t, int | float) and not isinstance(t, bool) and math.isfinite(t) for t in times
    ):
        return None
    now = time.time()
    if claims["type"] != "access" or now >= claims["exp"] + LEEWAY or claims["iat"] > now + LEEWAY:
        return None
    return claims


async def _user(conn: asyncpg.Connection, claims: dict[str, object]) -> asyncpg.Record | None:
    row = await conn.fetchrow(USER_BY_ID, claims["sub"])
    if row is None or not row["is_active"] or row["credentials_version"] != claims["ver"]:
        return None
    return row


async def me(request: Request) -> Response:
    claims = _claims(request)
    if claims is None:
        return _unauthorized()
    async with _connection(request) as conn:
        row = await _user(conn, claims)
    if row is None:
        return _unauthorized()
    return _json(
        {
            "id": str(row["id"]),
            "email": row["email"],
            "full_name": row["full_name"],
            "role": row["role"],
            "is_active": row["is_active"],
            "created_at": _time(row["created_at"]),
        }
    )


def _text(field: str, value: object) -> bool:
    if value is None:
        return field == "line2"
    return (
        isinstance(value, str)
        and len(value) <= FIELD_LIMITS[field]
        and VISIBLE_TEXT.match(value) is not None
    )


def _order_request(body: bytes) -> tuple[dict[UUID, int], dict[str, str | None]] | None:
    """The lines (product id -> quantity, in the order given) and the address, if the
    body keeps the rules of ``PlaceOrderIn``."""
    try:
        payload = orjson.loads(body)
        lines, address = payload["lines"], payload["shipping_address"]
        wanted = {UUID(line["product_id"]): line["quantity"] for line in lines}
        fields = {field: address.get(field) for field in ADDRESS_FIELDS}
    except (orjson.JSONDecodeError, AttributeError, KeyError, TypeError, ValueError):
        return None
    well_formed = (
        payload.keys() == {"lines", "shipping_address"}
        and 1 <= len(lines) <= MAX_LINES
        and len(wanted) == len(lines)
        and all(line.keys() == {"product_id", "quantity"} for line in lines)
        and all(type(n) is int and 1 <= n <= MAX_QUANTITY for n in wanted.values())
        and address.keys() <= fields.keys()
        and fields["country"] in COUNTRY_CODES
        and all(_text(field, value) for field, value in fields.items() if field != "country")
    )
    return (wanted, fields) if well_formed else None


async def place_order(request: Request) -> Response:
    claims = _claims(request)
    if claims is None:
        return _unauthorized()
    if refused := await _counted(request, ORDERS, str(claims["sub"])):
        return refused
    parsed = _order_request(await request.body())
    if parsed is None:
        return _json({"code": "validation_error"}, 422)
    wanted, address = parsed
    order_id, now = _new_id(), datetime.now(UTC)
    async with _connection(request) as conn:
        user = await _user(conn, claims)
        if user is None:
            return _unauthorized()
        async with conn.transaction():
            customer = claims["sub"]
            await conn.execute(
                LOCK_CUSTOMER, int.from_bytes(customer.bytes[8:], "big", signed=True)
            )
            if await conn.fetchval(COUNT_PENDING, customer) >= MAX_PENDING:
                return _json({"code": "too_many_pending_orders"}, 409)
            rows = await conn.fetch(LOCK_PRODUCTS, list(wanted))
            found = {row["id"]: row for row in rows if row["is_active"]}
            if len(found) != len(wanted):
                return _json({"code": "unknown_product"}, 422)
            if any(row["currency"] != CURRENCY for row in rows):
                return _json({"code": "currency_mismatch"}, 422)
            if any(row["stock"] < wanted[row["id"]] for row in rows):
                return _json({"code": "out_of_stock"}, 409)
            await conn.executemany(
                TAKE_STOCK,
                [(row["id"], row["version"], wanted[row["id"]], now) for row in rows],
            )
            await conn.executemany(
                RECORD_MOVEMENT,
                [
                    (
                        _new_id(),
                        row["id"],
                        row["movements"] + 1,
                        -wanted[row["id"]],
                        row["stock"] - wanted[row["id"]],
                        claims["sub"],
                        order_id,
                        now,
                    )
                    for row in rows
                ],
            )
            lines = [(found[product_id], quantity) for product_id, quantity in wanted.items()]
            total = sum(row["price_minor"] * quantity for row, quantity in lines)
            expires = now + PAYMENT_TIMEOUT
            await conn.execute(
                INSERT_ORDER,
                order_id,
                claims["sub"],
                total,
                CURRENCY,
                *address.values(),
                now,
                expires,
            )
            await conn.executemany(
                INSERT_LINE,
                [
                    (
                        order_id,
                        position,
                        row["id"],
                        row["sku"],
                        row["name"],
                        row["price_minor"],
                        quantity,
                    )
                    for position, (row, quantity) in enumerate(lines)
                ],
            )
            document = {
                "id": str(order_id),
                "customer_id": str(claims["sub"]),
                "status": "pending_payment",
                "lines": [
                    {
                        "product_id": str(row["id"]),
                        "sku": row["sku"],
                        "name": row["name"],
                        "unit_price": _money(row["price_minor"]),
                        "quantity": quantity,
                        "line_total": _money(row["price_minor"] * quantity),
                    }
                    for row, quantity in lines
                ],
                "total": _money(total),
                "shipping_address": address,
                "created_at": _time(now),
                "updated_at": _time(now),
                "payment_expires_at": _time(expires),
                "paid_at": None,
                "shipped_at": None,
                "delivered_at": None,
                "cancelled_at": None,
                "cancellation_reason": None,
                "tracking_number": None,
            }
            # The event, with the order's snapshot, in the same transaction (the outbox).
            await conn.execute(
                INSERT_EVENT,
                _new_id(),
                order_id,
                now,
                orjson.dumps(document).decode(),
                secrets.token_hex(16),
                str(customer),
            )
    return _json(document, 201, {"Location": f"/api/v1/orders/{order_id}"})


@asynccontextmanager
async def lifespan(app: Starlette) -> AsyncIterator[None]:
    app.state.kept = [await asyncpg.connect(DATABASE) for _ in range(POOL_SIZE)]
    app.state.turns = asyncio.Semaphore(POOL_SIZE)
    app.state.limiter = MemoryRateLimiter(SystemClock())
    tune_collector()
    yield
    for conn in app.state.kept:
        await conn.close()


app = Starlette(
    routes=[
        Route("/health/live", live),
        Route("/api/v1/users/me", me),
        Route("/api/v1/products", products),
        Route("/api/v1/products/{product_id}", product),
        Route("/api/v1/orders", place_order, methods=["POST"]),
    ],
    lifespan=lifespan,
)
