"""factory-boy factories: domain objects (saved through repositories by the tests) and
request payloads."""

from datetime import UTC, datetime

import factory

from adapters.system import Uuid7Generator
from domain.users import Email, Role, User

_ids = Uuid7Generator()

PASSWORD = "correct horse battery"


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


class RegisterPayloadFactory(factory.DictFactory):
    email = factory.Sequence(lambda n: f"shopper{n}@example.com")
    password = PASSWORD
    full_name = factory.Faker("name")
