"""The admins' webhook endpoints: created with a secret shown once, changed, rotated,
pinged, deleted; and their deliveries, listed and redelivered."""

from collections.abc import Mapping
from uuid import UUID

from application.notifications.commands import (
    CreateWebhook,
    ListWebhookDeliveries,
    ListWebhooks,
    Ping,
    UpdateWebhook,
    WebhookCommand,
)
from application.notifications.ports import DeliveryQuery, NotificationsReader, SendFailed
from application.notifications.shared import Notifications
from application.notifications.signatures import new_secret, signature_header
from domain.notifications import Channel, Delivery, WebhookEndpoint
from domain.notifications.webhook import check_description, check_event_types, check_url
from domain.shared.errors import NotFound

PING = "webhook.ping"


def _not_found(endpoint_id: UUID) -> NotFound:
    return NotFound(f"No webhook endpoint {endpoint_id}")


async def _endpoint(uow: NotificationsReader, endpoint_id: UUID, **lock: bool) -> WebhookEndpoint:
    endpoint = await uow.webhooks.get(endpoint_id, **lock)
    if endpoint is None:
        raise _not_found(endpoint_id)
    return endpoint


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


class CreateWebhookHandler:
    def __init__(self, notifications: Notifications) -> None:
        self._n = notifications

    async def __call__(self, cmd: CreateWebhook) -> WebhookEndpoint:
        cmd.actor.require_admin("manage webhooks")
        n, now = self._n, self._n.clock.now()
        endpoint = WebhookEndpoint(
            id=n.ids.new_id(),
            url=check_url(cmd.url, https_only=n.https_only),
            event_types=check_event_types(cmd.event_types, n.event_types),
            description=check_description(cmd.description),
            secret=new_secret(),
            enabled=cmd.enabled,
            created_at=now,
            updated_at=now,
        )
        async with n.uow() as uow:
            await uow.webhooks.add(endpoint)
            await uow.commit()
        return endpoint


class UpdateWebhookHandler:
    def __init__(self, notifications: Notifications) -> None:
        self._n = notifications

    async def __call__(self, cmd: UpdateWebhook) -> WebhookEndpoint:
        cmd.actor.require_admin("manage webhooks")
        n, now = self._n, self._n.clock.now()
        async with n.uow() as uow:
            endpoint = await _endpoint(uow, cmd.endpoint_id, for_update=True)
            if cmd.url is not None:
                endpoint.url = check_url(cmd.url, https_only=n.https_only)
            if cmd.event_types is not None:
                endpoint.event_types = check_event_types(cmd.event_types, n.event_types)
            if cmd.description is not None:
                endpoint.description = check_description(cmd.description)
            if cmd.enabled is True:
                endpoint.enable(now)
            elif cmd.enabled is False:
                endpoint.disable(now)
            endpoint.updated_at = now
            await uow.webhooks.save(endpoint)
            await uow.commit()
        return endpoint


class GetWebhookHandler:
    def __init__(self, notifications: Notifications) -> None:
        self._n = notifications

    async def __call__(self, cmd: WebhookCommand) -> WebhookEndpoint:
        cmd.actor.require_admin("manage webhooks")
        async with self._n.read_uow() as uow:
            return await _endpoint(uow, cmd.endpoint_id)


class ListWebhooksHandler:
    def __init__(self, notifications: Notifications) -> None:
        self._n = notifications

    async def __call__(self, cmd: ListWebhooks) -> list[WebhookEndpoint]:
        cmd.actor.require_admin("manage webhooks")
        async with self._n.read_uow() as uow:
            return list(await uow.webhooks.list())


class DeleteWebhookHandler:
    """Its pending deliveries are abandoned by the workers: nothing goes to it after."""

    def __init__(self, notifications: Notifications) -> None:
        self._n = notifications

    async def __call__(self, cmd: WebhookCommand) -> None:
        cmd.actor.require_admin("manage webhooks")
        async with self._n.uow() as uow:
            if not await uow.webhooks.delete(cmd.endpoint_id):
                raise _not_found(cmd.endpoint_id)
            await uow.commit()


class RotateWebhookSecretHandler:
    def __init__(self, notifications: Notifications) -> None:
        self._n = notifications

    async def __call__(self, cmd: WebhookCommand) -> WebhookEndpoint:
        cmd.actor.require_admin("manage webhooks")
        n = self._n
        async with n.uow() as uow:
            endpoint = await _endpoint(uow, cmd.endpoint_id, for_update=True)
            endpoint.rotate_secret(new_secret(), n.clock.now())
            await uow.webhooks.save(endpoint)
            await uow.commit()
        return endpoint


class PingWebhookHandler:
    """A signed ``webhook.ping`` sent now, outside the outbox: whether the endpoint
    takes deliveries, and what it answered."""

    def __init__(self, notifications: Notifications) -> None:
        self._n = notifications

    async def __call__(self, cmd: WebhookCommand) -> Ping:
        cmd.actor.require_admin("manage webhooks")
        n, now = self._n, self._n.clock.now()
        async with n.read_uow() as uow:
            endpoint = await _endpoint(uow, cmd.endpoint_id)
        message_id, timestamp = str(n.ids.new_id()), int(now.timestamp())
        stamp = now.isoformat().replace("+00:00", "Z")
        body = f'{{"type":"{PING}","timestamp":"{stamp}","data":{{"endpoint_id":"{endpoint.id}"}}}}'
        headers = signed_headers(endpoint.secrets(now), message_id, timestamp, body)
        try:
            status = await n.webhooks.post(endpoint.url, headers, body)
        except SendFailed as failure:
            return Ping(False, failure.status, failure.error)
        return Ping(True, status, None)


class ListWebhookDeliveriesHandler:
    def __init__(self, notifications: Notifications) -> None:
        self._n = notifications

    async def __call__(self, cmd: ListWebhookDeliveries) -> list[Delivery]:
        cmd.actor.require_admin("manage webhooks")
        query = DeliveryQuery(Channel.WEBHOOK, str(cmd.endpoint_id), cmd.status, cmd.limit)
        async with self._n.read_uow() as uow:
            await _endpoint(uow, cmd.endpoint_id)
            return list(await uow.deliveries.list(query))
