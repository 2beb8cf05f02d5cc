"""A client generated from the running app's /openapi.json by openapi-python-client
(the package emporium_client) does what a shop's client does: register, sign in,
browse, order, have a card declined, pay, read the order. Run by .ci/clients:

    python tour.py http://127.0.0.1:8000
"""

import sys
import uuid

from emporium_client import AuthenticatedClient, Client
from emporium_client.api.auth import register, token
from emporium_client.api.orders import pay_order, place_order, read_order
from emporium_client.api.products import list_products
from emporium_client.models import (
    AddressIn,
    AddressInCountry,
    BodyToken,
    LineIn,
    OrderOut,
    OrderStatus,
    PayIn,
    PlaceOrderIn,
    Problem,
    ProblemCode,
    ProductPageOut,
    ProductSort,
    RegisterIn,
    TokenOut,
    UserOut,
)

PASSWORD = "a generated client's password"


def main(base: str) -> None:
    anonymous = Client(base_url=base)
    email = f"python-{uuid.uuid4().hex[:12]}@example.com"
    user = register.sync(
        client=anonymous, body=RegisterIn(email=email, password=PASSWORD, full_name="Py")
    )
    assert isinstance(user, UserOut) and user.email == email, user
    tokens = token.sync(client=anonymous, body=BodyToken(username=email, password=PASSWORD))
    assert isinstance(tokens, TokenOut), tokens
    customer = AuthenticatedClient(base_url=base, token=tokens.access_token)

    page = list_products.sync(client=anonymous, sort=ProductSort.PRICE_DESC, in_stock=True)
    assert isinstance(page, ProductPageOut) and page.items, page
    product = page.items[0]
    address = AddressIn(
        name="Ada Lovelace",
        line1="12 St James Square",
        city="London",
        postal_code="SW1Y 4JH",
        country=AddressInCountry.GB,
    )
    order = place_order.sync(
        client=customer,
        body=PlaceOrderIn(
            lines=[LineIn(product_id=product.id, quantity=1)], shipping_address=address
        ),
        idempotency_key=f"python-{uuid.uuid4()}",
    )
    assert isinstance(order, OrderOut) and order.status is OrderStatus.PENDING_PAYMENT, order

    declined = pay_order.sync(
        order.id, client=customer, body=PayIn(payment_token="tok_chargeDeclined")
    )
    assert isinstance(declined, Problem) and declined.code is ProblemCode.PAYMENT_DECLINED
    paid = pay_order.sync(order.id, client=customer, body=PayIn(payment_token="tok_visa"))
    assert isinstance(paid, OrderOut) and paid.status is OrderStatus.PAID, paid
    read = read_order.sync(order.id, client=customer)
    assert isinstance(read, OrderOut) and read.status is OrderStatus.PAID, read
    assert read.total.amount == product.price.amount
    print(f"python client: ordered {product.sku}, declined, paid, read back")


if __name__ == "__main__":
    main(sys.argv[1])
