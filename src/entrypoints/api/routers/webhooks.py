"""The admins' webhook endpoints: where outside systems get the shop's events, signed."""

from typing import Annotated
from uuid import UUID

from fastapi import APIRouter, Header, Request, Response, status
from pydantic import BaseModel

from application.notifications.commands import (
    CreateWebhook,
    ListWebhookDeliveries,
    ListWebhooks,
    Redeliver,
    UpdateWebhook,
    WebhookCommand,
)
from application.notifications.deliveries import RedeliverHandler
from application.notifications.webhooks import (
    CreateWebhookHandler,
    DeleteWebhookHandler,
    GetWebhookHandler,
    ListWebhookDeliveriesHandler,
    ListWebhooksHandler,
    PingWebhookHandler,
    RotateWebhookSecretHandler,
    UpdateWebhookHandler,
)
from domain.notifications import WebhookEndpoint
from domain.shared.errors import Forbidden, NotFound
from entrypoints.api.dependencies import NO_BODY, Cursors, use
from entrypoints.api.pagination import NEXT_LINK, page_response
from entrypoints.api.problems import raises
from entrypoints.api.query import query_string
from entrypoints.api.responses import LOCATION, JsonResponse
from entrypoints.api.routes import API_PREFIX, api_router
from entrypoints.api.schemas.webhooks import (
    CreateWebhookIn,
    DeliveryListIn,
    DeliveryOut,
    DeliveryPageOut,
    UpdateWebhookIn,
    WebhookListOut,
    WebhookOut,
    WebhookWithSecretOut,
    event_body,
)
from entrypoints.api.security import CurrentActor
from entrypoints.cursors import moment
from entrypoints.documents import delivery_document, webhook_document
from entrypoints.events import OUTBOX_TYPES

# Every route is for admins only (the use cases check): documented once.
admin_router = api_router(f"{API_PREFIX}/webhooks", tags=["webhooks"], responses=raises(Forbidden))


def _with_secret(endpoint: WebhookEndpoint, code: int = 200, **headers: str) -> JsonResponse:
    return JsonResponse(
        webhook_document(endpoint) | {"secret": endpoint.secret}, code, headers=headers
    )


@admin_router.post(
    "",
    status_code=status.HTTP_201_CREATED,
    response_model=WebhookWithSecretOut,
    responses={201: {"headers": LOCATION}},
    summary="Add a webhook endpoint (admins); its signing secret is shown this once",
)
async def create_webhook(
    request: Request,
    body: CreateWebhookIn,
    actor: CurrentActor,
    create: Annotated[CreateWebhookHandler, use(lambda c: c.notifications.create_webhook)],
) -> JsonResponse:
    command = CreateWebhook(
        actor, body.url, frozenset(body.event_types), body.description, body.enabled
    )
    endpoint = await create(command)
    return _with_secret(endpoint, 201, Location=f"{request.url.path}/{endpoint.id}")


@admin_router.get("", response_model=WebhookListOut, summary="The webhook endpoints (admins)")
async def list_webhooks(
    actor: CurrentActor,
    list_webhooks: Annotated[ListWebhooksHandler, use(lambda c: c.notifications.list_webhooks)],
) -> JsonResponse:
    endpoints = await list_webhooks(ListWebhooks(actor))
    return JsonResponse({"items": [webhook_document(e) for e in endpoints]})


@admin_router.get(
    "/{endpoint_id}",
    response_model=WebhookOut,
    responses=raises(NotFound),
    summary="One webhook endpoint (admins)",
)
async def read_webhook(
    endpoint_id: UUID,
    actor: CurrentActor,
    get: Annotated[GetWebhookHandler, use(lambda c: c.notifications.get_webhook)],
) -> JsonResponse:
    return JsonResponse(webhook_document(await get(WebhookCommand(actor, endpoint_id))))


@admin_router.patch(
    "/{endpoint_id}",
    response_model=WebhookOut,
    responses=raises(NotFound),
    summary="Change, disable or enable a webhook endpoint (admins)",
)
async def update_webhook(
    endpoint_id: UUID,
    body: UpdateWebhookIn,
    actor: CurrentActor,
    update: Annotated[UpdateWebhookHandler, use(lambda c: c.notifications.update_webhook)],
) -> JsonResponse:
    types = frozenset(body.event_types) if body.event_types is not None else None
    command = UpdateWebhook(actor, endpoint_id, body.url, types, body.description, body.enabled)
    return JsonResponse(webhook_document(await update(command)))


@admin_router.delete(
    "/{endpoint_id}",
    status_code=status.HTTP_204_NO_CONTENT,
    responses=raises(NotFound),
    summary="Delete a webhook endpoint (admins); nothing more is sent to it",
)
async def delete_webhook(
    endpoint_id: UUID,
    actor: CurrentActor,
    delete: Annotated[DeleteWebhookHandler, use(lambda c: c.notifications.delete_webhook)],
) -> Response:
    await delete(WebhookCommand(actor, endpoint_id))
    return Response(status_code=status.HTTP_204_NO_CONTENT)


@admin_router.post(
    "/{endpoint_id}/rotate-secret",
    response_model=WebhookWithSecretOut,
    responses=raises(NotFound),
    dependencies=[NO_BODY],
    summary="A new signing secret (admins); the old one also signs for 24 hours more",
)
async def rotate_webhook_secret(
    endpoint_id: UUID,
    actor: CurrentActor,
    rotate: Annotated[
        RotateWebhookSecretHandler, use(lambda c: c.notifications.rotate_webhook_secret)
    ],
) -> JsonResponse:
    return _with_secret(await rotate(WebhookCommand(actor, endpoint_id)))


@admin_router.post(
    "/{endpoint_id}/ping",
    status_code=status.HTTP_202_ACCEPTED,
    responses=raises(NotFound),
    dependencies=[NO_BODY],
    summary="Send a webhook.ping event to this endpoint alone (admins); its delivery shows "
    "among the endpoint's deliveries",
)
async def ping_webhook(
    endpoint_id: UUID,
    actor: CurrentActor,
    ping: Annotated[PingWebhookHandler, use(lambda c: c.notifications.ping_webhook)],
) -> Response:
    await ping(WebhookCommand(actor, endpoint_id))
    return Response(status_code=status.HTTP_202_ACCEPTED)


_DELIVERIES = "webhook-deliveries"  # the scope of the list's cursors


@admin_router.get(
    "/{endpoint_id}/deliveries",
    response_model=DeliveryPageOut,
    responses=raises(NotFound) | NEXT_LINK,
    summary="An endpoint's newest deliveries, newest first (admins)",
)
async def list_webhook_deliveries(
    request: Request,
    endpoint_id: UUID,
    actor: CurrentActor,
    list_deliveries: Annotated[
        ListWebhookDeliveriesHandler, use(lambda c: c.notifications.list_webhook_deliveries)
    ],
    cursors: Cursors,
    query: Annotated[DeliveryListIn, query_string(DeliveryListIn)],
) -> JsonResponse:
    after = cursors.decode(query.cursor, _DELIVERIES, moment)
    command = ListWebhookDeliveries(actor, endpoint_id, query.status, query.limit, after)
    page = await list_deliveries(command)
    items = [delivery_document(d) for d in page.items]
    return page_response(request, items, cursors.encode(page.next_after, _DELIVERIES))


@admin_router.post(
    "/{endpoint_id}/deliveries/{delivery_id}/redeliver",
    status_code=status.HTTP_202_ACCEPTED,
    response_model=DeliveryOut,
    responses=raises(NotFound),
    dependencies=[NO_BODY],
    summary="Try a delivery again now, from a fresh retry schedule (admins)",
)
async def redeliver(
    endpoint_id: UUID,
    delivery_id: UUID,
    actor: CurrentActor,
    redeliver: Annotated[RedeliverHandler, use(lambda c: c.notifications.redeliver)],
) -> JsonResponse:
    delivery = await redeliver(Redeliver(actor, delivery_id, endpoint_id))
    return JsonResponse(delivery_document(delivery), 202)


def declare_deliveries(events: APIRouter) -> None:
    """Every event type a webhook delivers, in the OpenAPI document's ``webhooks``: its
    body and its Standard Webhooks headers."""
    for event_type in sorted(OUTBOX_TYPES):
        _declare(events, event_type, event_body(event_type))


def _declare(events: APIRouter, event_type: str, body: type[BaseModel]) -> None:
    @events.post(
        event_type,
        summary=f"{event_type}, as a webhook delivers it",
        operation_id=event_type.replace(".", "_"),
    )
    def delivery(
        event: body,  # type: ignore[valid-type]
        webhook_id: Annotated[
            str, Header(description="The event's id, the same on every attempt: dedupe by it")
        ],
        webhook_timestamp: Annotated[int, Header(description="Unix seconds, at sending")],
        webhook_signature: Annotated[
            str,
            Header(
                description='"v1," and the base64 HMAC-SHA256 of "{id}.{timestamp}.{body}" '
                "with the endpoint's secret; two, space-separated, while a rotated secret "
                "is still valid"
            ),
        ],
    ) -> None: ...
