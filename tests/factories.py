"""factory-boy factories: domain objects (saved through repositories by the tests) and
request payloads."""

from datetime import UTC, datetime, timedelta
from typing import Any

import factory

from adapters.system import Uuid7Generator
from application.shared.actor import Actor
from domain.catalog import Product, Sku
from domain.orders import Address, Order, OrderLine
from domain.shared.money import Currency, Money
from domain.users import Email, Role, User

_ids = Uuid7Generator()

PASSWORD = "correct horse battery"
OPERATOR = Actor.operator()  # an admin at the CLI: what the use cases let do anything


class UserFactory(factory.Factory):
    class Meta:
        model = User

    id = factory.LazyFunction(_ids.new_id)
    email = factory.Sequence(lambda n: Email(f"user{n}@example.com"))
    full_name = factory.Faker("name")
    password_hash = f"fake${PASSWORD}"
    role = Role.CUSTOMER
    is_active = True
    created_at = factory.LazyFunction(lambda: datetime.now(UTC))

    class Params:
        admin = factory.Trait(role=Role.ADMIN)


USD = Currency("USD")


class ProductFactory(factory.Factory):
    """A new product, made as the catalog makes one (``Product.create``)."""

    class Meta:
        model = Product

    id = factory.LazyFunction(_ids.new_id)
    sku = factory.Sequence(lambda n: Sku.parse(f"SKU-{n:05d}"))
    name = "Mug"
    description = ""
    price = Money(999, USD)
    store_currency = USD
    now = factory.LazyFunction(lambda: datetime.now(UTC))

    @classmethod
    def _create(cls, model_class: type[Product], **fields: Any) -> Product:
        return model_class.create(**fields)

    _build = _create


class OrderLineFactory(factory.Factory):
    class Meta:
        model = OrderLine

    product_id = factory.LazyFunction(_ids.new_id)
    sku = "MUG-001"
    name = "Mug"
    unit_price = Money(1999, USD)
    quantity = 1


class AddressFactory(factory.Factory):
    class Meta:
        model = Address.parse

    name = "Ada Lovelace"
    line1 = "12 St James's Square"
    city = "London"
    postal_code = "SW1Y 4JH"
    country = "GB"


class OrderFactory(factory.Factory):
    """A new order waiting for its payment, placed as the orders context places one
    (``Order.place``): one line unless told."""

    class Meta:
        model = Order

    id = factory.LazyFunction(_ids.new_id)
    customer_id = factory.LazyFunction(_ids.new_id)
    lines = factory.LazyFunction(lambda: (OrderLineFactory(),))
    shipping_address = factory.SubFactory(AddressFactory)
    now = factory.LazyFunction(lambda: datetime.now(UTC))
    payment_timeout = timedelta(minutes=30)

    @classmethod
    def _create(cls, model_class: type[Order], **fields: Any) -> Order:
        return model_class.place(**fields)

    _build = _create


class RegisterPayloadFactory(factory.DictFactory):
    email = factory.Sequence(lambda n: f"shopper{n}@example.com")
    password = PASSWORD
    full_name = factory.Faker("name")
