"""The catalog and order use cases as the container wires them, over one backend (the
memory store or a real database), for the orders' integration tests."""

from collections.abc import Callable
from typing import Any
from uuid import uuid4

from dependency_injector import providers
from pydantic import SecretStr

from adapters.payments.fake import FakePaymentGateway, GatewayBooks, MemoryGatewayBooks
from application.catalog.commands import CreateProduct, GetProduct, Price
from application.orders.commands import AddressRequest, LineRequest, PlaceOrder
from application.shared.actor import Actor
from domain.catalog import Product
from domain.orders import Order
from entrypoints.container import Container
from entrypoints.settings import Settings
from tests.factories import OPERATOR, UserFactory
from tests.fakes import FakeClock
from tests.units_of_work import override_units_of_work

HOME = AddressRequest("Alice", "1 Main St", "Springfield", "12345", "US")


class Wired:
    def __init__(
        self,
        make_uow: Callable[..., Any],
        books: GatewayBooks | None = None,
        gateway: type[FakePaymentGateway] = FakePaymentGateway,
        max_pending: int = 3,
    ) -> None:
        self.make_uow, self.clock = make_uow, FakeClock()
        self.books = books or MemoryGatewayBooks()
        self.container = container = Container()
        container.core.settings.override(
            Settings(secret_key=SecretStr("k" * 32), order_max_pending=max_pending, _env_file=None)  # type: ignore[call-arg]
        )
        container.core.clock.override(providers.Object(self.clock))
        override_units_of_work(container, make_uow, lambda: make_uow(read_only=True))
        container.orders.gateway.override(providers.Object(gateway(self.books)))
        catalog, orders = container.catalog, container.orders
        self.create, self.get = catalog.create_product(), catalog.get_product()
        self.gateway = orders.gateway()
        self.place, self.get_order = orders.place_order(), orders.get_order()
        self.list_orders, self.pay = orders.list_orders(), orders.pay_order()
        self.cancel, self.fulfil = orders.cancel_order(), orders.fulfil_order()
        self.upkeep = orders.upkeep()
        self.reconcile = orders.reconcile_payments()

    async def customer(self) -> Actor:
        user = UserFactory()
        async with self.make_uow() as uow:
            await uow.users.add(user)
            await uow.commit()
        return Actor(user.id, False)

    async def product(self, stock: int, amount: str = "10.00") -> Product:
        sku = f"SKU-{uuid4().hex[:10]}"
        return await self.create(
            CreateProduct(OPERATOR, sku, "Mug", Price(amount, "USD"), stock=stock)
        )

    async def stock(self, product: Product) -> int:
        return (await self.get(GetProduct(OPERATOR, product.id, include_archived=True))).stock

    async def ledger(self, product: Product) -> int:
        """The sum of the product's movements: what its stock must be."""
        async with self.make_uow(read_only=True) as uow:
            movements = await uow.stock_movements.list_for_product(product.id, 100_000, None)
        return sum(m.delta for m in movements)

    async def order(self, actor: Actor, *lines: tuple[Product, int]) -> Order:
        requests = tuple(LineRequest(p.id, n) for p, n in lines)
        placed = await self.place(PlaceOrder(actor, requests, HOME))
        assert isinstance(placed, Order)
        return placed
