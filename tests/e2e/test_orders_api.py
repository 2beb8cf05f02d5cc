"""The Orders section of API.md, over HTTP, on SQLite and PostgreSQL: the lifecycle, every
refusal, idempotency keys, a crash in the middle, and concurrent buyers."""

import asyncio
from datetime import UTC, datetime
from typing import Any
from uuid import uuid4

import httpx
import pytest
from dependency_injector import providers

from adapters.payments.fake import FakePaymentGateway
from adapters.sqlalchemy.gateway_books import SqlGatewayBooks
from application.orders.payments import PAYMENT_LEASE
from entrypoints.container import Container
from entrypoints.settings import Settings
from tests.e2e.conftest import API, assert_problem, bearer, register, sign_in, worker
from tests.fakes import FakeClock

ORDERS, PRODUCTS = f"{API}/orders", f"{API}/products"
ADDRESS = {
    "name": "Ada Lovelace",
    "line1": "12 St James's Square",
    "city": "London",
    "postal_code": "SW1Y 4JH",
    "country": "GB",
}


async def _product(
    client: httpx.AsyncClient, admin: dict, stock: int = 10, amount: str = "9.99"
) -> dict[str, Any]:
    body = {
        "sku": f"SKU-{uuid4().hex[:8]}",
        "name": "Mug",
        "price": {"amount": amount, "currency": "USD"},
        "stock": stock,
    }
    response = await client.post(PRODUCTS, json=body, headers=admin["headers"])
    assert response.status_code == 201, response.text
    return response.json()


def _headers(user: dict) -> dict[str, str]:
    return bearer(user["tokens"]["access_token"])


async def _order(
    client: httpx.AsyncClient, user: dict, *lines: tuple[dict, int], **headers: str
) -> httpx.Response:
    body = {
        "lines": [{"product_id": p["id"], "quantity": n} for p, n in lines],
        "shipping_address": ADDRESS,
    }
    return await client.post(ORDERS, json=body, headers=_headers(user) | headers)


async def _stock(client: httpx.AsyncClient, product: dict) -> int:
    return int((await client.get(f"{PRODUCTS}/{product['id']}")).json()["stock"])


async def test_browse_order_pay_ship_deliver(
    client: httpx.AsyncClient, admin: dict, customer: dict
) -> None:
    mug, cup = await _product(client, admin, 10, "12.50"), await _product(client, admin, 5, "3.00")
    placed = await _order(client, customer, (mug, 2), (cup, 1))
    assert placed.status_code == 201, placed.text
    order = placed.json()
    assert placed.headers["location"] == f"{ORDERS}/{order['id']}"
    assert order["status"] == "pending_payment" and order["customer_id"] == customer["id"]
    assert order["total"] == {"amount": "28.00", "currency": "USD"}
    assert order["lines"][0] | {"product_id": None} == {
        "product_id": None,
        "sku": mug["sku"],
        "name": "Mug",
        "unit_price": {"amount": "12.50", "currency": "USD"},
        "quantity": 2,
        "line_total": {"amount": "25.00", "currency": "USD"},
    }
    assert order["shipping_address"] == ADDRESS | {"line2": None}
    assert order["payment_expires_at"].endswith("Z") and order["paid_at"] is None
    assert (await _stock(client, mug), await _stock(client, cup)) == (8, 4)

    paid = await client.post(
        f"{ORDERS}/{order['id']}/pay",
        json={"payment_token": "tok_visa"},
        headers=_headers(customer),
    )
    assert paid.status_code == 200, paid.text
    assert paid.json()["status"] == "paid" and paid.json()["payment_expires_at"] is None
    shipped = await client.post(
        f"{ORDERS}/{order['id']}/ship", json={"tracking_number": "1Z999"}, headers=admin["headers"]
    )
    assert shipped.json()["status"] == "shipped" and shipped.json()["tracking_number"] == "1Z999"
    delivered = await client.post(f"{ORDERS}/{order['id']}/deliver", headers=admin["headers"])
    assert delivered.status_code == 200 and delivered.json()["delivered_at"] is not None

    mine = (await client.get(ORDERS, headers=_headers(customer))).json()
    assert [o["id"] for o in mine["items"]] == [order["id"]] and mine["next_cursor"] is None
    movements = await client.get(
        f"{PRODUCTS}/{mug['id']}/stock-movements", headers=admin["headers"]
    )
    reservation = movements.json()["items"][0]
    assert (reservation["kind"], reservation["delta"], reservation["order_id"]) == (
        "order_reservation", -2, order["id"],
    )  # fmt: skip


@pytest.mark.parametrize(
    ("lines", "where"),
    [
        ([], ["body", "lines"]),
        ([{"product_id": "P", "quantity": 0}], ["body", "lines", 0, "quantity"]),
        ([{"product_id": "P", "quantity": 1001}], ["body", "lines", 0, "quantity"]),
        ([{"product_id": "P", "quantity": "2"}], ["body", "lines", 0, "quantity"]),
        ([{"product_id": "P", "quantity": 1.5}], ["body", "lines", 0, "quantity"]),
        ([{"product_id": "not-a-uuid", "quantity": 1}], ["body", "lines", 0, "product_id"]),
    ],
)
async def test_bad_lines_are_refused_and_reserve_nothing(
    client: httpx.AsyncClient, admin: dict, customer: dict, lines: list, where: list
) -> None:
    mug = await _product(client, admin)
    for line in lines:
        line["product_id"] = mug["id"] if line["product_id"] == "P" else line["product_id"]
    response = await client.post(
        ORDERS, json={"lines": lines, "shipping_address": ADDRESS}, headers=_headers(customer)
    )
    body = assert_problem(response, 422, "validation_error")
    assert where in [e["loc"] for e in body["errors"]]
    assert await _stock(client, mug) == 10


async def test_a_product_twice_or_fifty_one_lines_are_refused(
    client: httpx.AsyncClient, admin: dict, customer: dict
) -> None:
    mug = await _product(client, admin)
    assert_problem(await _order(client, customer, (mug, 1), (mug, 1)), 422, "validation_error")
    many = {
        "lines": [{"product_id": str(uuid4()), "quantity": 1}] * 51,
        "shipping_address": ADDRESS,
    }
    assert_problem(
        await client.post(ORDERS, json=many, headers=_headers(customer)), 422, "validation_error"
    )
    assert await _stock(client, mug) == 10


@pytest.mark.parametrize(
    "extra",
    [
        {"status": "paid"},
        {"total": {"amount": "0.01", "currency": "USD"}},
        {"customer_id": str(uuid4())},
        {"id": str(uuid4())},
    ],
)
async def test_a_client_cannot_set_status_totals_or_ids(
    client: httpx.AsyncClient, admin: dict, customer: dict, extra: dict
) -> None:
    mug = await _product(client, admin)
    body = {"lines": [{"product_id": mug["id"], "quantity": 1}], "shipping_address": ADDRESS}
    response = await client.post(ORDERS, json=body | extra, headers=_headers(customer))
    assert_problem(response, 422, "validation_error")
    line_price = {"lines": [{"product_id": mug["id"], "quantity": 1, "unit_price": "0.01"}]}
    response = await client.post(ORDERS, json=body | line_price, headers=_headers(customer))
    assert_problem(response, 422, "validation_error")


@pytest.mark.parametrize(
    "address",
    [ADDRESS | {"country": "XX"}, ADDRESS | {"country": "gb"}, ADDRESS | {"city": ""},
     ADDRESS | {"name": "\u202eevil"}, {k: v for k, v in ADDRESS.items() if k != "line1"}],
)  # fmt: skip
async def test_a_bad_address_is_refused(
    client: httpx.AsyncClient, admin: dict, customer: dict, address: dict
) -> None:
    mug = await _product(client, admin)
    body = {"lines": [{"product_id": mug["id"], "quantity": 1}], "shipping_address": address}
    assert_problem(
        await client.post(ORDERS, json=body, headers=_headers(customer)), 422, "validation_error"
    )


async def test_unknown_or_archived_products_are_named(
    client: httpx.AsyncClient, admin: dict, customer: dict
) -> None:
    mug, gone = await _product(client, admin), await _product(client, admin)
    await client.delete(f"{PRODUCTS}/{gone['id']}", headers=admin["headers"])
    missing = {"id": str(uuid4())}
    body = assert_problem(await _order(client, customer, (mug, 1), (gone, 1), (missing, 1)), 422,
                          "unknown_product")  # fmt: skip
    assert gone["id"] in body["detail"] and missing["id"] in body["detail"]
    assert await _stock(client, mug) == 10


async def test_out_of_stock_names_what_is_left_and_reserves_nothing(
    client: httpx.AsyncClient, admin: dict, customer: dict
) -> None:
    mug, cup = await _product(client, admin, 10), await _product(client, admin, 3)
    body = assert_problem(await _order(client, customer, (mug, 2), (cup, 4)), 409, "out_of_stock")
    assert body["detail"] == f"Only 3 left of SKU {cup['sku']}"
    assert (await _stock(client, mug), await _stock(client, cup)) == (10, 3)


async def test_another_customers_order_does_not_exist_for_you(
    client: httpx.AsyncClient, admin: dict, customer: dict
) -> None:
    mug = await _product(client, admin)
    order = (await _order(client, customer, (mug, 1))).json()
    other = await register(client)
    other["tokens"] = await sign_in(client, other["email"])
    for method, path, body in [
        ("GET", "", None),
        ("POST", "/pay", {"payment_token": "tok_visa"}),
        ("POST", "/cancel", None),
    ]:
        response = await client.request(
            method, f"{ORDERS}/{order['id']}{path}", json=body, headers=_headers(other)
        )
        assert_problem(response, 404, "not_found")
    assert (await client.get(ORDERS, headers=_headers(other))).json()["items"] == []
    forbidden = await client.get(
        ORDERS, params={"customer_id": customer["id"]}, headers=_headers(other)
    )
    assert_problem(forbidden, 403, "forbidden")
    theirs = await client.get(
        ORDERS, params={"customer_id": customer["id"]}, headers=admin["headers"]
    )
    assert [o["id"] for o in theirs.json()["items"]] == [order["id"]]
    assert (await client.get(ORDERS)).status_code == 401


async def test_customers_neither_ship_nor_deliver(
    client: httpx.AsyncClient, admin: dict, customer: dict
) -> None:
    mug = await _product(client, admin)
    order = (await _order(client, customer, (mug, 1))).json()
    await client.post(f"{ORDERS}/{order['id']}/pay", json={"payment_token": "tok_visa"},
                      headers=_headers(customer))  # fmt: skip
    for move in ("ship", "deliver"):
        response = await client.post(f"{ORDERS}/{order['id']}/{move}", headers=_headers(customer))
        assert_problem(response, 403, "forbidden")


async def test_a_declined_payment_is_402_and_the_order_stays_pending(
    client: httpx.AsyncClient, admin: dict, customer: dict
) -> None:
    mug = await _product(client, admin)
    order = (await _order(client, customer, (mug, 1))).json()
    pay = f"{ORDERS}/{order['id']}/pay"
    declined = await client.post(
        pay, json={"payment_token": "tok_chargeDeclined"}, headers=_headers(customer)
    )
    assert_problem(declined, 402, "payment_declined")
    unknown = await client.post(
        pay, json={"payment_token": "tok_bogus"}, headers=_headers(customer)
    )
    assert_problem(unknown, 422, "validation_error")
    current = await client.get(f"{ORDERS}/{order['id']}", headers=_headers(customer))
    assert current.json()["status"] == "pending_payment"
    paid = await client.post(
        pay, json={"payment_token": "tok_mastercard"}, headers=_headers(customer)
    )
    assert paid.json()["status"] == "paid"


async def test_illegal_moves_are_409_invalid_transition(
    client: httpx.AsyncClient, admin: dict, customer: dict
) -> None:
    mug = await _product(client, admin)
    order = (await _order(client, customer, (mug, 1))).json()
    path = f"{ORDERS}/{order['id']}"
    assert_problem(
        await client.post(f"{path}/ship", headers=admin["headers"]), 409, "invalid_transition"
    )
    assert_problem(
        await client.post(f"{path}/deliver", headers=admin["headers"]), 409, "invalid_transition"
    )
    cancelled = await client.post(f"{path}/cancel", headers=_headers(customer))
    assert cancelled.json()["cancellation_reason"] == "customer"
    assert await _stock(client, mug) == 10
    for move, body in [("pay", {"payment_token": "tok_visa"}), ("cancel", None)]:
        response = await client.post(f"{path}/{move}", json=body, headers=_headers(customer))
        assert_problem(response, 409, "invalid_transition")
    assert await _stock(client, mug) == 10


async def test_an_admin_cancels_a_paid_order_and_it_is_refunded(
    client: httpx.AsyncClient, container: Container, admin: dict, customer: dict
) -> None:
    mug = await _product(client, admin)
    order = (await _order(client, customer, (mug, 3))).json()
    await client.post(f"{ORDERS}/{order['id']}/pay", json={"payment_token": "tok_visa"},
                      headers=_headers(customer))  # fmt: skip
    cancelled = await client.post(f"{ORDERS}/{order['id']}/cancel", headers=admin["headers"])
    assert cancelled.json()["cancellation_reason"] == "admin"
    assert await _stock(client, mug) == 10
    (charge,) = await container.orders.gateway().charges()
    assert charge.refunded


async def test_an_idempotency_key_replays_the_first_answer_byte_for_byte(
    client: httpx.AsyncClient, admin: dict, customer: dict
) -> None:
    mug = await _product(client, admin)
    first = await _order(client, customer, (mug, 2), **{"Idempotency-Key": "order-1"})
    again = await _order(client, customer, (mug, 2), **{"Idempotency-Key": "order-1"})
    assert (again.status_code, again.content) == (201, first.content)
    assert (
        again.headers["idempotent-replayed"] == "true"
        and "idempotent-replayed" not in first.headers
    )
    assert again.headers["location"] == first.headers["location"]
    assert await _stock(client, mug) == 8
    reused = await _order(client, customer, (mug, 3), **{"Idempotency-Key": "order-1"})
    assert_problem(reused, 422, "idempotency_key_reused")
    order_id = first.json()["id"]
    pays = [
        await client.post(f"{ORDERS}/{order_id}/pay", json={"payment_token": "tok_visa"},
                          headers=_headers(customer) | {"Idempotency-Key": "pay-1"})
        for _ in range(2)
    ]  # fmt: skip
    assert pays[0].content == pays[1].content and pays[1].headers["idempotent-replayed"] == "true"


@pytest.mark.parametrize("key", ["", "x" * 256, "tab\tkey", "caf\u00e9"])
async def test_a_malformed_idempotency_key_is_refused(
    client: httpx.AsyncClient, admin: dict, customer: dict, key: str
) -> None:
    mug = await _product(client, admin)
    try:
        response = await _order(client, customer, (mug, 1), **{"Idempotency-Key": key})
    except UnicodeEncodeError:
        response = await _order(client, customer, (mug, 1), **{"Idempotency-Key": key.encode()})  # type: ignore[arg-type]
    assert_problem(response, 422, "validation_error")
    assert await _stock(client, mug) == 10


async def test_identical_keyed_requests_at_once_make_one_order(
    client: httpx.AsyncClient, admin: dict, customer: dict
) -> None:
    mug = await _product(client, admin)
    answers = await asyncio.gather(
        *(_order(client, customer, (mug, 1), **{"Idempotency-Key": "same"}) for _ in range(8))
    )
    assert {a.status_code for a in answers} <= {201, 409}
    created = {a.content for a in answers if a.status_code == 201}
    assert len(created) == 1
    assert await _stock(client, mug) == 9


class _Crash(RuntimeError):
    pass


async def test_a_crash_in_the_middle_of_placement_leaves_nothing(
    client: httpx.AsyncClient, container: Container, admin: dict, customer: dict
) -> None:
    mug = await _product(client, admin)
    real = container.orders.uow

    def crashing_uow() -> object:
        uow = real()
        enter = uow.__aenter__

        async def aenter() -> object:
            opened = await enter()

            async def add(order: object) -> None:
                raise _Crash("the disk is on fire")

            opened.orders.add = add
            return opened

        uow.__aenter__ = aenter  # type: ignore[method-assign]
        return uow

    container.orders.uow.override(providers.Callable(crashing_uow))
    try:
        response = await _order(client, customer, (mug, 4))
    finally:
        container.orders.uow.reset_override()
    assert response.status_code == 500
    assert await _stock(client, mug) == 10
    assert (await client.get(ORDERS, headers=_headers(customer))).json()["items"] == []


@pytest.fixture
def clock(container: Container, settings: Settings) -> FakeClock:
    """A settable clock, and the server's upkeep every 0.2 s (list it before ``client``)."""
    clock = FakeClock(datetime.now(UTC))
    container.core.clock.override(providers.Object(clock))
    container.core.settings.override(settings.model_copy(update={"order_sweep_interval": 0.2}))
    return clock


class LostAnswerGateway(FakePaymentGateway):
    """The fake gateway, whose answer is lost after it charged (the connection drops,
    or the process dies) while ``losing``."""

    losing = False

    async def charge(self, **kwargs: Any) -> Any:
        charge = await super().charge(**kwargs)
        if self.losing:
            raise _Crash("connection reset by peer")
        return charge


@pytest.fixture
def lost_answers(container: Container) -> LostAnswerGateway:
    """Put in the container before the app starts (list it before ``client``)."""
    gateway = LostAnswerGateway(SqlGatewayBooks(container.core.connections()))
    container.orders.gateway.override(providers.Object(gateway))
    return gateway


async def test_a_charge_whose_answer_was_lost_is_recorded_by_the_upkeep(
    lost_answers: LostAnswerGateway,
    clock: FakeClock,
    container: Container,
    client: httpx.AsyncClient,
    admin: dict,
    customer: dict,
) -> None:
    mug = await _product(client, admin)
    order = (await _order(client, customer, (mug, 4))).json()
    pay = f"{ORDERS}/{order['id']}/pay"
    lost_answers.losing = True
    lost = await client.post(pay, json={"payment_token": "tok_visa"}, headers=_headers(customer))
    assert_problem(lost, 503, "service_unavailable")
    lost_answers.losing = False
    again = await client.post(pay, json={"payment_token": "tok_visa"}, headers=_headers(customer))
    assert_problem(again, 409, "payment_in_progress")
    assert again.headers["Retry-After"] == "2"
    (charge,) = await lost_answers.charges()
    clock.advance(PAYMENT_LEASE.total_seconds() + 1)
    customer["tokens"] = await sign_in(client, customer["email"])
    for _ in range(50):  # the upkeep runs on its own schedule: wait for it, at most 5 s
        current = (await client.get(f"{ORDERS}/{order['id']}", headers=_headers(customer))).json()
        if current["status"] == "paid":
            break
        await asyncio.sleep(0.1)
    assert current["status"] == "paid" and await _stock(client, mug) == 6
    assert await lost_answers.charges() == [charge]
    reconciliation = await container.orders.reconcile_payments()(fix=False)
    assert reconciliation.mismatches == ()


async def test_the_server_expires_unpaid_orders_on_its_own(
    clock: FakeClock, client: httpx.AsyncClient, admin: dict, customer: dict
) -> None:
    mug = await _product(client, admin)
    order = (await _order(client, customer, (mug, 4))).json()
    assert await _stock(client, mug) == 6
    clock.advance(30 * 60)
    customer["tokens"] = await sign_in(client, customer["email"])  # the first one expired
    for _ in range(50):  # the upkeep runs on its own schedule: wait for it, at most 5 s
        current = (await client.get(f"{ORDERS}/{order['id']}", headers=_headers(customer))).json()
        if current["status"] == "cancelled":
            break
        await asyncio.sleep(0.1)
    assert (current["status"], current["cancellation_reason"]) == ("cancelled", "payment_timeout")
    assert await _stock(client, mug) == 10


async def test_two_server_processes_never_oversell(
    client: httpx.AsyncClient, admin: dict, customer: dict, settings: Any
) -> None:
    mug = await _product(client, admin, 15)
    buyers = [customer]
    for _ in range(13):  # each may hold three orders unpaid
        user = await register(client)
        buyers.append(user | {"tokens": await sign_in(client, user["email"])})
    async with worker(settings) as other:
        answers = await asyncio.gather(
            *(
                _order(c, buyers[n % len(buyers)], (mug, 1))
                for n, c in zip(range(40), [client, other] * 20, strict=False)
            )
        )
    codes = sorted(a.status_code for a in answers)
    assert codes.count(201) == 15 and set(codes) == {201, 409}
    assert await _stock(client, mug) == 0


async def test_a_fourth_unpaid_order_is_409_too_many_pending_orders(
    client: httpx.AsyncClient, admin: dict, customer: dict
) -> None:
    mug = await _product(client, admin, 500)
    held = [(await _order(client, customer, (mug, 100))).json() for _ in range(3)]
    assert_problem(await _order(client, customer, (mug, 100)), 409, "too_many_pending_orders")
    assert await _stock(client, mug) == 200
    paid = await client.post(f"{ORDERS}/{held[0]['id']}/pay", json={"payment_token": "tok_visa"},
                             headers=_headers(customer))  # fmt: skip
    assert paid.status_code == 200
    assert (await _order(client, customer, (mug, 100))).status_code == 201
