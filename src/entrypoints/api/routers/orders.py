"""Orders: placing, paying, cancelling, shipping and delivering them. Who may do what
is the use cases' call; a router says who is asking."""

import hashlib
from typing import Annotated
from uuid import UUID

import orjson
from fastapi import Header, Request, status
from fastapi.responses import Response
from pydantic import BaseModel

from application.orders.commands import (
    AddressRequest,
    CancelOrder,
    DeliverOrder,
    GetOrder,
    IdempotencyKey,
    LineRequest,
    ListOrders,
    PayOrder,
    PlaceOrder,
    Replay,
    ShipOrder,
)
from application.orders.orders import (
    CancelOrderHandler,
    FulfilOrderHandler,
    GetOrderHandler,
    ListOrdersHandler,
    PlaceOrderHandler,
)
from application.orders.payments import PayOrderHandler
from application.shared.actor import Actor
from domain.orders import (
    IdempotencyInProgress,
    IdempotencyKeyReused,
    InvalidTransition,
    Order,
    OutOfStock,
    PaymentDeclined,
    PaymentInProgress,
    TooManyPendingOrders,
    UnknownProduct,
)
from domain.shared.errors import Forbidden, NotFound, RateLimited, ServiceUnavailable
from domain.shared.money import CurrencyMismatch
from entrypoints.api.dependencies import NO_BODY, Cursors, use
from entrypoints.api.limits import per_user
from entrypoints.api.pagination import NEXT_LINK, page_response
from entrypoints.api.problems import raises
from entrypoints.api.query import query_string
from entrypoints.api.responses import LOCATION, JsonResponse
from entrypoints.api.routes import API_PREFIX, api_router
from entrypoints.api.schemas.orders import (
    OrderListIn,
    OrderOut,
    OrderPageOut,
    PayIn,
    PlaceOrderIn,
    ShipIn,
)
from entrypoints.api.security import CurrentActor
from entrypoints.cursors import moment
from entrypoints.documents import order_document
from entrypoints.metrics import CHECKOUTS_REFUSED

router = api_router(f"{API_PREFIX}/orders", tags=["orders"])
IdempotencyKeyHeader = Annotated[
    str | None,
    Header(
        alias="Idempotency-Key",
        min_length=1,
        max_length=255,
        pattern=r"^[\x21-\x7e](?:[\x20-\x7e]*[\x21-\x7e])?$",
        description="1 to 255 printable ASCII characters. The same key with the same "
        "request within 24 hours replays the first answer (with `Idempotent-Replayed: "
        "true`) and does nothing again.",
    ),
]
_REPLAYED = {
    "Idempotent-Replayed": {
        "description": "`true` when this is the first answer to the key, given again",
        "schema": {"type": "string", "enum": ["true"]},
    }
}
_IDEMPOTENT = (IdempotencyKeyReused, IdempotencyInProgress)


def _idempotency(key: str | None, request: Request, body: BaseModel) -> IdempotencyKey | None:
    """The key, and a fingerprint of what it asks: where, and the body as parsed (so
    spacing and field order do not make two requests different)."""
    if key is None:
        return None
    canonical = orjson.dumps(body.model_dump(mode="json"), option=orjson.OPT_SORT_KEYS)
    digest = hashlib.sha256(f"{request.method} {request.url.path}\n".encode() + canonical)
    return IdempotencyKey(key, digest.hexdigest())


def _answer(result: Order | Replay, status_code: int = 200, **headers: str) -> Response:
    if isinstance(result, Replay):
        replayed = {"Idempotent-Replayed": "true"} | headers
        return Response(result.body, status_code, replayed, media_type="application/json")
    return JsonResponse(order_document(result), status_code, headers or None)


@router.post(
    "",
    status_code=status.HTTP_201_CREATED,
    response_model=OrderOut,
    responses=raises(
        UnknownProduct,
        OutOfStock,
        TooManyPendingOrders,
        CurrencyMismatch,
        RateLimited,
        *_IDEMPOTENT,
    )
    | {201: {"headers": _REPLAYED | LOCATION}},
    summary="Place an order: its stock is reserved until it is paid, or its time is up",
)
async def place_order(
    request: Request,
    body: PlaceOrderIn,
    actor: Annotated[Actor, per_user("orders")],
    place_order: Annotated[PlaceOrderHandler, use(lambda c: c.orders.place_order)],
    idempotency_key: IdempotencyKeyHeader = None,
) -> Response:
    address = body.shipping_address
    try:
        result = await place_order(
            PlaceOrder(
                actor=actor,
                lines=tuple(LineRequest(line.product_id, line.quantity) for line in body.lines),
                shipping_address=AddressRequest(
                    name=address.name,
                    line1=address.line1,
                    line2=address.line2 or "",
                    city=address.city,
                    postal_code=address.postal_code,
                    country=address.country,
                ),
                idempotency=_idempotency(idempotency_key, request, body),
            )
        )
    except OutOfStock:
        CHECKOUTS_REFUSED.inc()
        raise
    order_id = result.id if isinstance(result, Order) else orjson.loads(result.body)["id"]
    return _answer(result, status.HTTP_201_CREATED, Location=f"{request.url.path}/{order_id}")


@router.get(
    "",
    response_model=OrderPageOut,
    responses=raises(Forbidden) | NEXT_LINK,
    summary="Orders, newest first: a customer's own; for admins everyone's",
    description="Admins may filter by `customer_id`; anyone else asking for another "
    "customer's orders gets 403.",
)
async def list_orders(
    request: Request,
    actor: CurrentActor,
    list_orders: Annotated[ListOrdersHandler, use(lambda c: c.orders.list_orders)],
    cursors: Cursors,
    query: Annotated[OrderListIn, query_string(OrderListIn)],
) -> JsonResponse:
    after = cursors.decode(query.cursor, "orders", moment)
    page = await list_orders(ListOrders(actor, query.status, query.customer_id, query.limit, after))
    items = [order_document(order) for order in page.items]
    return page_response(request, items, cursors.encode(page.next_after, "orders"))


@router.get(
    "/{order_id}",
    response_model=OrderOut,
    responses=raises(NotFound),
    summary="One order: its customer's, or any for admins (anyone else: 404)",
)
async def read_order(
    order_id: UUID,
    actor: CurrentActor,
    get_order: Annotated[GetOrderHandler, use(lambda c: c.orders.get_order)],
) -> Response:
    return _answer(await get_order(GetOrder(actor, order_id)))


@router.post(
    "/{order_id}/pay",
    response_model=OrderOut,
    responses=raises(
        NotFound,
        Forbidden,
        InvalidTransition,
        PaymentDeclined,
        PaymentInProgress,
        ServiceUnavailable,
        RateLimited,
        *_IDEMPOTENT,
    )
    | {200: {"headers": _REPLAYED}},
    summary="Pay for a pending order (its customer)",
    description="A declined payment is 402 `payment_declined` and the order stays pending; "
    "another token may be tried. One attempt at a time: while one awaits the gateway, "
    "another is 409 `payment_in_progress` (with `Retry-After`). An attempt whose answer "
    "was lost is 503 and settled by the server within minutes: the order is paid, or "
    "may be paid again. Never charged twice.",
)
async def pay_order(
    request: Request,
    order_id: UUID,
    body: PayIn,
    actor: Annotated[Actor, per_user("payments")],
    pay_order: Annotated[PayOrderHandler, use(lambda c: c.orders.pay_order)],
    idempotency_key: IdempotencyKeyHeader = None,
) -> Response:
    idempotency = _idempotency(idempotency_key, request, body)
    return _answer(await pay_order(PayOrder(actor, order_id, body.payment_token, idempotency)))


@router.post(
    "/{order_id}/cancel",
    dependencies=[NO_BODY],
    response_model=OrderOut,
    responses=raises(NotFound, InvalidTransition),
    summary="Cancel a pending or paid order (its customer or an admin)",
    description="The stock goes back; a paid order is refunded.",
)
async def cancel_order(
    order_id: UUID,
    actor: CurrentActor,
    cancel_order: Annotated[CancelOrderHandler, use(lambda c: c.orders.cancel_order)],
) -> Response:
    return _answer(await cancel_order(CancelOrder(actor, order_id)))


@router.post(
    "/{order_id}/ship",
    response_model=OrderOut,
    responses=raises(NotFound, Forbidden, InvalidTransition),
    summary="Ship a paid order (admins)",
)
async def ship_order(
    order_id: UUID,
    actor: CurrentActor,
    fulfil: Annotated[FulfilOrderHandler, use(lambda c: c.orders.fulfil_order)],
    body: ShipIn | None = None,
) -> Response:
    tracking = body.tracking_number if body is not None else None
    return _answer(await fulfil(ShipOrder(actor, order_id, tracking)))


@router.post(
    "/{order_id}/deliver",
    dependencies=[NO_BODY],
    response_model=OrderOut,
    responses=raises(NotFound, Forbidden, InvalidTransition),
    summary="Mark a shipped order delivered (admins)",
)
async def deliver_order(
    order_id: UUID,
    actor: CurrentActor,
    fulfil: Annotated[FulfilOrderHandler, use(lambda c: c.orders.fulfil_order)],
) -> Response:
    return _answer(await fulfil(DeliverOrder(actor, order_id)))
