"""The notifications context: the outbox's relay, the deliveries, mail, the broker and
the webhooks. Their clients are imported where they are built (see ``core``)."""

from collections.abc import Sequence
from contextlib import AsyncExitStack
from datetime import timedelta

from dependency_injector import containers, providers

from adapters.audit import LoggingAuditTrail
from adapters.sqlalchemy.notifications import REPOSITORIES
from adapters.sqlalchemy.unit_of_work import SqlReader, SqlUnitOfWork
from application.notifications.admin import GetBacklogHandler, ListEventsHandler
from application.notifications.deliveries import (
    DeliverDueHandler,
    ListDeliveriesHandler,
    RedeliverHandler,
)
from application.notifications.ports import Broker, Mailer, WebhookClient
from application.notifications.relay import RelayEventsHandler
from application.notifications.shared import Notifications
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
from entrypoints.events import EVENT_TYPES
from entrypoints.metrics import CountingTrail, count_attempt
from entrypoints.settings import Settings


def mailer(settings: Settings) -> Mailer:
    """Through the SMTP server when one is configured; else to the log."""
    from adapters.mail.mailers import LoggingMailer, SmtpMailer
    from adapters.mail.messages import Messages

    messages = Messages(settings.mail_from)
    if settings.smtp_host is None:
        return LoggingMailer(messages)
    password = settings.smtp_password
    return SmtpMailer(
        messages,
        host=settings.smtp_host,
        port=settings.smtp_port,
        starttls=settings.smtp_starttls,
        username=settings.smtp_username,
        password=password.get_secret_value() if password is not None else None,
    )


def broker(settings: Settings, closing: AsyncExitStack) -> Broker | None:
    if settings.broker_url is None:
        return None
    from adapters.broker import RabbitBroker

    built = RabbitBroker(settings.broker_url)
    closing.push_async_callback(built.close)
    return built


def webhook_client(
    closing: AsyncExitStack, *, https_only: bool, allowed_networks: Sequence[str]
) -> WebhookClient:
    from adapters.webhooks import HttpWebhookClient

    built = HttpWebhookClient(https_only=https_only, allowed_networks=allowed_networks)
    closing.push_async_callback(built.close)
    return built


class NotificationsContainer(containers.DeclarativeContainer):
    core = providers.DependenciesContainer()
    settings = core.settings
    uow = providers.Factory(SqlUnitOfWork, core.connections, REPOSITORIES, core.events)
    read_uow = providers.Factory(SqlReader, core.read_connections, REPOSITORIES)

    production = providers.Callable(lambda settings: settings.env == "production", settings)
    mailer = providers.Singleton(mailer, settings)
    broker = providers.Singleton(broker, settings, core.closing)
    webhooks = providers.Singleton(
        webhook_client,
        core.closing,
        https_only=production,
        allowed_networks=settings.provided.webhook_allowed_networks,
    )
    ports = providers.Singleton(
        Notifications,
        uow=uow.provider,
        read_uow=read_uow.provider,
        ids=core.ids,
        clock=core.clock,
        mailer=mailer,
        broker=broker,
        webhooks=webhooks,
        event_types=providers.Object(EVENT_TYPES),
        https_only=production,
        retry_scale=settings.provided.delivery_retry_scale,
        lease=providers.Callable(timedelta, seconds=settings.provided.delivery_lease),
        attempted=providers.Object(count_attempt),
    )
    relay_events = providers.Singleton(
        RelayEventsHandler, ports, LoggingAuditTrail(), CountingTrail()
    )
    deliver_due = providers.Singleton(DeliverDueHandler, ports)
    list_events = providers.Singleton(ListEventsHandler, ports)
    get_backlog = providers.Singleton(GetBacklogHandler, ports)
    list_deliveries = providers.Singleton(ListDeliveriesHandler, ports)
    redeliver = providers.Singleton(RedeliverHandler, ports)
    create_webhook = providers.Singleton(CreateWebhookHandler, ports)
    update_webhook = providers.Singleton(UpdateWebhookHandler, ports)
    get_webhook = providers.Singleton(GetWebhookHandler, ports)
    list_webhooks = providers.Singleton(ListWebhooksHandler, ports)
    delete_webhook = providers.Singleton(DeleteWebhookHandler, ports)
    rotate_webhook_secret = providers.Singleton(RotateWebhookSecretHandler, ports)
    ping_webhook = providers.Singleton(PingWebhookHandler, ports)
    list_webhook_deliveries = providers.Singleton(ListWebhookDeliveriesHandler, ports)
