"""The admins' webhook endpoints: created with a secret shown once, changed, rotated,
pinged, deleted; and their deliveries, listed and redelivered."""

from datetime import datetime
from uuid import UUID

from application.notifications.commands import (
    CreateWebhook,
    ListWebhookDeliveries,
    ListWebhooks,
    UpdateWebhook,
    WebhookCommand,
)
from application.notifications.ports import DeliveryQuery, NotificationsReader
from application.notifications.shared import Notifications
from application.notifications.signatures import new_secret
from application.shared.pages import Page, split_page
from domain.notifications import Channel, Delivery, WebhookEndpoint
from domain.notifications.webhook import check_description, check_event_types, check_url
from domain.shared.errors import InvalidValue, NotFound


def _not_found(endpoint_id: UUID) -> NotFound:
    return NotFound(f"No webhook endpoint {endpoint_id}")


async def _endpoint(uow: NotificationsReader, endpoint_id: UUID, **lock: bool) -> WebhookEndpoint:
    endpoint = await uow.webhooks.get(endpoint_id, **lock)
    if endpoint is None:
        raise _not_found(endpoint_id)
    return endpoint


async def _postable(n: Notifications, url: str) -> str:
    """``url`` if it is well formed and resolves to addresses a delivery may go to now
    (each delivery checks again)."""
    url = check_url(url, https_only=n.https_only)
    if (refusal := await n.webhooks.refusal(url)) is not None:
        raise InvalidValue("url", refusal)
    return url


class CreateWebhookHandler:
    def __init__(self, notifications: Notifications) -> None:
        self._n = notifications

    async def __call__(self, cmd: CreateWebhook) -> WebhookEndpoint:
        cmd.actor.require_admin("manage webhooks")
        n, now = self._n, self._n.clock.now()
        endpoint = WebhookEndpoint(
            id=n.ids.new_id(),
            url=await _postable(n, cmd.url),
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
        url = await _postable(n, cmd.url) if cmd.url is not None else None
        async with n.uow() as uow:
            endpoint = await _endpoint(uow, cmd.endpoint_id, for_update=True)
            if url is not None:
                endpoint.url = url
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
    """A ``webhook.ping`` event, through the outbox like any other, to this endpoint
    alone: its delivery shows among the endpoint's deliveries."""

    def __init__(self, notifications: Notifications) -> None:
        self._n = notifications

    async def __call__(self, cmd: WebhookCommand) -> None:
        cmd.actor.require_admin("manage webhooks")
        async with self._n.uow() as uow:
            endpoint = await _endpoint(uow, cmd.endpoint_id, for_update=True)
            endpoint.ping()
            await uow.webhooks.save(endpoint)
            await uow.commit()


class ListWebhookDeliveriesHandler:
    def __init__(self, notifications: Notifications) -> None:
        self._n = notifications

    async def __call__(self, cmd: ListWebhookDeliveries) -> Page[Delivery, tuple[datetime, UUID]]:
        cmd.actor.require_admin("manage webhooks")
        # One more tells whether there is a next page.
        target = str(cmd.endpoint_id)
        query = DeliveryQuery(Channel.WEBHOOK, target, cmd.status, cmd.limit + 1, cmd.after)
        async with self._n.read_uow() as uow:
            await _endpoint(uow, cmd.endpoint_id)
            found = await uow.deliveries.list(query)
        return split_page(found, cmd.limit, lambda d: (d.created_at, d.id))
