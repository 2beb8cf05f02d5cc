"""The notifications context: the outbox's relay, the deliveries, mail and the broker."""

from dependency_injector import containers, providers

from adapters.audit import LoggingAuditTrail
from adapters.broker import RabbitBroker
from adapters.mail.mailers import LoggingMailer, SmtpMailer
from adapters.mail.messages import Messages
from adapters.sqlalchemy.notifications import REPOSITORIES
from adapters.sqlalchemy.unit_of_work import SqlReader, SqlUnitOfWork
from application.notifications.admin import GetBacklogHandler, ListEventsHandler
from application.notifications.deliveries import (
    DeliverDueHandler,
    ListDeliveriesHandler,
    RedeliverHandler,
)
from application.notifications.ports import Broker, Mailer
from application.notifications.relay import RelayEventsHandler
from application.notifications.shared import Notifications
from entrypoints.settings import Settings


def mailer(settings: Settings) -> Mailer:
    """Through the SMTP server when one is configured; else to the log."""
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


def broker(settings: Settings) -> Broker | None:
    return RabbitBroker(settings.broker_url) if settings.broker_url is not None else None


class NotificationsContainer(containers.DeclarativeContainer):
    core = providers.DependenciesContainer()
    settings = core.settings
    uow = providers.Factory(SqlUnitOfWork, core.engine, REPOSITORIES, core.events, core.turns)
    read_uow = providers.Factory(SqlReader, core.read_engine, REPOSITORIES, core.read_turns)

    mailer = providers.Singleton(mailer, settings)
    broker = providers.Singleton(broker, settings)
    ports = providers.Singleton(
        Notifications,
        uow=uow.provider,
        read_uow=read_uow.provider,
        ids=core.ids,
        clock=core.clock,
        mailer=mailer,
        broker=broker,
        retry_scale=settings.provided.delivery_retry_scale,
    )
    relay_events = providers.Singleton(RelayEventsHandler, ports, LoggingAuditTrail())
    deliver_due = providers.Singleton(DeliverDueHandler, ports)
    list_events = providers.Singleton(ListEventsHandler, ports)
    get_backlog = providers.Singleton(GetBacklogHandler, ports)
    list_deliveries = providers.Singleton(ListDeliveriesHandler, ports)
    redeliver = providers.Singleton(RedeliverHandler, ports)
