"""The orders context: the payment gateway, idempotency keys and the use cases."""

from datetime import timedelta

from dependency_injector import containers, providers

from adapters.payments.fake import FakePaymentGateway
from adapters.sqlalchemy import catalog, orders
from adapters.sqlalchemy.gateway_books import SqlGatewayBooks
from adapters.sqlalchemy.unit_of_work import SqlReader, SqlUnitOfWork
from application.orders.idempotency import Idempotency
from application.orders.orders import (
    CancelOrderHandler,
    FulfilOrderHandler,
    GetOrderHandler,
    ListOrdersHandler,
    PlaceOrderHandler,
)
from application.orders.payments import Outcomes, PayOrderHandler
from application.orders.reconciliation import ReconcilePayments
from application.orders.shared import Orders, Refunds
from application.orders.upkeep import Upkeep
from domain.shared.money import Currency
from entrypoints.documents import order_json

REPOSITORIES = orders.REPOSITORIES | catalog.REPOSITORIES


class OrdersContainer(containers.DeclarativeContainer):
    core = providers.DependenciesContainer()
    settings = core.settings
    # An order takes and gives back stock: its units of work hold the catalog's too.
    uow = providers.Factory(SqlUnitOfWork, core.connections, REPOSITORIES, core.events)
    read_uow = providers.Factory(SqlReader, core.read_connections, REPOSITORIES)

    # The one gateway there is today (EMPORIUM_PAYMENT_GATEWAY=fake); a real provider's
    # adapter plugs in here.
    gateway = providers.Singleton(
        FakePaymentGateway, books=providers.Singleton(SqlGatewayBooks, core.connections)
    )
    idempotency = providers.Singleton(
        Idempotency,
        uow=uow.provider,
        clock=core.clock,
        ids=core.ids,
        render=providers.Object(order_json),
    )
    ports = providers.Singleton(
        Orders,
        uow=uow.provider,
        read_uow=read_uow.provider,
        ids=core.ids,
        clock=core.clock,
        gateway=gateway,
        idempotency=idempotency,
        store_currency=providers.Singleton(Currency, settings.provided.store_currency),
        payment_timeout=providers.Factory(
            timedelta, seconds=settings.provided.order_payment_timeout
        ),
        max_pending=settings.provided.order_max_pending,
    )
    refunds = providers.Singleton(Refunds, ports)
    outcomes = providers.Singleton(Outcomes, ports, refunds)
    place_order = providers.Singleton(PlaceOrderHandler, ports)
    get_order = providers.Singleton(GetOrderHandler, ports)
    list_orders = providers.Singleton(ListOrdersHandler, ports)
    pay_order = providers.Singleton(PayOrderHandler, ports, outcomes)
    cancel_order = providers.Singleton(CancelOrderHandler, ports, refunds)
    fulfil_order = providers.Singleton(FulfilOrderHandler, ports)
    upkeep = providers.Singleton(Upkeep, ports, refunds, outcomes)
    reconcile_payments = providers.Singleton(ReconcilePayments, ports, outcomes, refunds)
