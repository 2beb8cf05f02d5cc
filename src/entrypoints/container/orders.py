"""The orders context: the payment gateway, idempotency keys and the use cases."""

from datetime import timedelta

from dependency_injector import containers, providers

from adapters.payments.fake import FakePaymentGateway
from application.orders.idempotency import Idempotency
from application.orders.orders import (
    CancelOrderHandler,
    FulfilOrderHandler,
    GetOrderHandler,
    ListOrdersHandler,
    PlaceOrderHandler,
)
from application.orders.payments import PayOrderHandler
from application.orders.shared import Orders, Refunds
from application.orders.upkeep import Upkeep
from domain.shared.money import Currency
from entrypoints.documents import order_json


class OrdersContainer(containers.DeclarativeContainer):
    core = providers.DependenciesContainer()
    settings = core.settings

    gateway = providers.Singleton(FakePaymentGateway)
    idempotency = providers.Singleton(
        Idempotency,
        uow=core.uow.provider,
        clock=core.clock,
        ids=core.ids,
        render=providers.Object(order_json),
    )
    ports = providers.Singleton(
        Orders,
        uow=core.uow.provider,
        read_uow=core.read_uow.provider,
        ids=core.ids,
        clock=core.clock,
        gateway=gateway,
        idempotency=idempotency,
        store_currency=providers.Singleton(Currency, settings.provided.store_currency),
        payment_timeout=providers.Factory(
            timedelta, seconds=settings.provided.order_payment_timeout
        ),
    )
    refunds = providers.Singleton(Refunds, ports)
    place_order = providers.Singleton(PlaceOrderHandler, ports)
    get_order = providers.Singleton(GetOrderHandler, ports)
    list_orders = providers.Singleton(ListOrdersHandler, ports)
    pay_order = providers.Singleton(PayOrderHandler, ports, refunds)
    cancel_order = providers.Singleton(CancelOrderHandler, ports, refunds)
    fulfil_order = providers.Singleton(FulfilOrderHandler, ports)
    upkeep = providers.Singleton(Upkeep, ports, refunds)
