"""The Products section of API.md, over HTTP, on SQLite and PostgreSQL."""

import asyncio
from typing import Any

import httpx
import pytest
from fastapi import Request

from application.shared.actor import Actor
from entrypoints.api import limits
from entrypoints.api.security import optional_actor
from entrypoints.settings import Settings
from tests.e2e.conftest import API, assert_problem, bearer, build_container, serving

PRODUCTS = f"{API}/products"


def _usd(amount: str) -> dict[str, str]:
    return {"amount": amount, "currency": "USD"}


async def _create(client: httpx.AsyncClient, admin: dict, **fields: Any) -> dict[str, Any]:
    body = {"sku": "MUG-001", "name": "Mug", "price": _usd("9.99")} | fields
    response = await client.post(PRODUCTS, json=body, headers=admin["headers"])
    assert response.status_code == 201, response.text
    return response.json()


async def test_an_admin_adds_a_product_and_anyone_reads_it(
    client: httpx.AsyncClient, admin: dict
) -> None:
    response = await client.post(
        PRODUCTS,
        json={"sku": "MUG-001", "name": " Enamel  mug ", "price": _usd("12.50"), "stock": 7},
        headers=admin["headers"],
    )
    assert response.status_code == 201, response.text
    product = response.json()
    assert response.headers["location"] == f"{PRODUCTS}/{product['id']}"
    assert response.headers["etag"] == '"1"'
    assert product | {"id": None, "created_at": None, "updated_at": None} == {
        "id": None,
        "sku": "MUG-001",
        "name": "Enamel mug",
        "description": "",
        "price": {"amount": "12.50", "currency": "USD"},
        "stock": 7,
        "is_active": True,
        "version": 1,
        "created_at": None,
        "updated_at": None,
    }
    read = await client.get(response.headers["location"])  # anonymous
    assert read.status_code == 200 and read.json() == product
    assert read.headers["etag"] == '"1"'


async def test_skus_are_unique_whatever_their_case(client: httpx.AsyncClient, admin: dict) -> None:
    await _create(client, admin, sku="MUG-001")
    response = await client.post(
        PRODUCTS,
        json={"sku": "mug-001", "name": "Other", "price": _usd("1.00")},
        headers=admin["headers"],
    )
    assert_problem(response, 409, "sku_taken")


@pytest.mark.parametrize(
    ("field", "value", "code"),
    [
        ("price", {"amount": "9.99", "currency": "EUR"}, "currency_mismatch"),
        ("price", {"amount": 9.99, "currency": "USD"}, "validation_error"),
        ("price", _usd("9.999"), "validation_error"),
        ("price", _usd("9.9"), "validation_error"),
        ("price", _usd("-1.00"), "validation_error"),
        ("sku", "MUG 001", "validation_error"),
        ("name", "\u200b", "validation_error"),
        ("stock", -1, "validation_error"),
        ("stock", "5", "validation_error"),
        ("stock", True, "validation_error"),
        ("stock", 2.5, "validation_error"),
        ("version", 7, "validation_error"),
        ("is_active", False, "validation_error"),
        ("id", "0190d4c6-0000-7000-8000-000000000000", "validation_error"),
    ],
)
async def test_a_bad_product_is_refused_and_nothing_is_written(
    client: httpx.AsyncClient, admin: dict, field: str, value: Any, code: str
) -> None:
    body = {"sku": "MUG-001", "name": "Mug", "price": _usd("9.99"), field: value}
    assert_problem(await client.post(PRODUCTS, json=body, headers=admin["headers"]), 422, code)
    page = await client.get(PRODUCTS, params={"include_archived": "true"}, headers=admin["headers"])
    assert page.json()["items"] == []


async def test_writes_are_for_admins_only(
    client: httpx.AsyncClient, admin: dict, customer: dict
) -> None:
    product = await _create(client, admin)
    url = f"{PRODUCTS}/{product['id']}"
    writes = [
        ("POST", PRODUCTS, {"sku": "X", "name": "X", "price": _usd("1.00")}),
        ("PATCH", url, {"name": "Y"}),
        ("POST", f"{url}/stock-adjustments", {"delta": 1, "reason": "found one"}),
        ("DELETE", url, None),
        ("GET", f"{url}/stock-movements", None),
    ]
    for method, path, body in writes:
        anonymous = await client.request(method, path, json=body)
        assert_problem(anonymous, 401, "not_authenticated")
        assert anonymous.headers["www-authenticate"] == "Bearer"
        as_customer = await client.request(
            method, path, json=body, headers=bearer(customer["tokens"]["access_token"])
        )
        assert_problem(as_customer, 403, "forbidden")
    unchanged = (await client.get(url)).json()
    assert unchanged == product


async def test_a_bad_token_is_refused_even_where_none_is_needed(client: httpx.AsyncClient) -> None:
    assert_problem(await client.get(PRODUCTS, headers=bearer("forged")), 401, "invalid_token")


async def test_a_current_copy_is_answered_with_304(client: httpx.AsyncClient, admin: dict) -> None:
    product = await _create(client, admin)
    url = f"{PRODUCTS}/{product['id']}"
    for current in ('"1"', 'W/"1"', '"7", "1"', "*"):
        response = await client.get(url, headers={"If-None-Match": current})
        assert response.status_code == 304 and response.content == b""
        assert response.headers["etag"] == '"1"'
    await client.patch(url, json={"name": "Mug II"}, headers=admin["headers"])
    stale = await client.get(url, headers={"If-None-Match": '"1"'})
    assert stale.status_code == 200 and stale.headers["etag"] == '"2"'
    assert stale.json()["name"] == "Mug II"


async def test_if_match_prevents_a_lost_update(client: httpx.AsyncClient, admin: dict) -> None:
    product = await _create(client, admin)
    url = f"{PRODUCTS}/{product['id']}"
    first = await client.patch(
        url, json={"price": _usd("10.00")}, headers=admin["headers"] | {"If-Match": '"1"'}
    )
    assert first.status_code == 200 and first.headers["etag"] == '"2"'
    for stale in ('"1"', 'W/"2"', '"abc"', ""):
        response = await client.patch(
            url, json={"price": _usd("11.00")}, headers=admin["headers"] | {"If-Match": stale}
        )
        assert_problem(response, 412, "version_mismatch")
    for current in ('"2"', "*"):
        response = await client.patch(
            url, json={"description": "Tall."}, headers=admin["headers"] | {"If-Match": current}
        )
        assert response.status_code == 200, response.text
    final = (await client.get(url)).json()
    assert (final["price"]["amount"], final["description"], final["version"]) == (
        "10.00",
        "Tall.",
        4,
    )


async def test_a_partial_update_changes_only_what_it_names(
    client: httpx.AsyncClient, admin: dict
) -> None:
    product = await _create(client, admin, description="Holds coffee.")
    url = f"{PRODUCTS}/{product['id']}"
    response = await client.patch(url, json={"name": "Cup"}, headers=admin["headers"])
    assert response.json() | {"updated_at": None} == product | {
        "name": "Cup",
        "version": 2,
        "updated_at": None,
    }
    for bad in ({"stock": 5}, {"sku": "NEW"}, {"version": 9}, {"is_active": "no"}):
        assert_problem(
            await client.patch(url, json=bad, headers=admin["headers"]), 422, "validation_error"
        )
    assert_problem(
        await client.patch(
            url, json={"price": {"amount": "1", "currency": "JPY"}}, headers=admin["headers"]
        ),
        422,
        "currency_mismatch",
    )


async def test_stock_moves_only_through_the_ledger(client: httpx.AsyncClient, admin: dict) -> None:
    product = await _create(client, admin, stock=3)
    url = f"{PRODUCTS}/{product['id']}"
    added = await client.post(
        f"{url}/stock-adjustments",
        json={"delta": 5, "reason": "delivery"},
        headers=admin["headers"],
    )
    assert added.status_code == 200 and added.json()["stock"] == 8
    assert added.headers["etag"] == '"2"'  # the initial stock came with version 1
    too_many = await client.post(
        f"{url}/stock-adjustments", json={"delta": -9, "reason": "broken"}, headers=admin["headers"]
    )
    assert_problem(too_many, 409, "stock_would_go_negative")
    for bad in (
        {"delta": 0, "reason": "x"},
        {"delta": 1.5, "reason": "x"},
        {"delta": "1", "reason": "x"},
        {"delta": 1, "reason": " "},
        {"delta": 1},
    ):
        response = await client.post(f"{url}/stock-adjustments", json=bad, headers=admin["headers"])
        assert_problem(response, 422, "validation_error")
    movements = (await client.get(f"{url}/stock-movements", headers=admin["headers"])).json()
    assert [(m["delta"], m["stock_after"], m["kind"], m["reason"]) for m in movements["items"]] == [
        (5, 8, "adjustment", "delivery"),
        (3, 3, "adjustment", "initial stock"),
    ]
    assert {m["actor_id"] for m in movements["items"]} == {admin["id"]}
    assert (
        (await client.get(url)).json()["stock"] == 8 == sum(m["delta"] for m in movements["items"])
    )


async def test_the_ledger_pages_newest_first(client: httpx.AsyncClient, admin: dict) -> None:
    product = await _create(client, admin)
    url = f"{PRODUCTS}/{product['id']}"
    for delta in range(1, 6):
        await client.post(
            f"{url}/stock-adjustments",
            json={"delta": delta, "reason": "restock"},
            headers=admin["headers"],
        )
    seen, cursor = [], None
    while True:
        params = {"limit": 2} | ({"cursor": cursor} if cursor else {})
        page = (
            await client.get(f"{url}/stock-movements", params=params, headers=admin["headers"])
        ).json()
        seen += [m["delta"] for m in page["items"]]
        if (cursor := page["next_cursor"]) is None:
            break
    assert seen == [5, 4, 3, 2, 1]
    other = await _create(client, admin, sku="CUP-002")
    replayed = await client.get(
        f"{PRODUCTS}/{other['id']}/stock-movements",
        params={
            "cursor": (
                await client.get(
                    f"{url}/stock-movements", params={"limit": 1}, headers=admin["headers"]
                )
            ).json()["next_cursor"]
        },
        headers=admin["headers"],
    )
    assert_problem(replayed, 400, "invalid_cursor")


async def test_concurrent_adjustments_lose_nothing_and_never_oversell(
    client: httpx.AsyncClient, admin: dict
) -> None:
    product = await _create(client, admin, stock=10)
    url = f"{PRODUCTS}/{product['id']}/stock-adjustments"
    answers = await asyncio.gather(
        *(
            client.post(url, json={"delta": -1, "reason": "sold"}, headers=admin["headers"])
            for _ in range(25)
        )
    )
    assert sorted(a.status_code for a in answers) == [200] * 10 + [409] * 15
    final = (await client.get(f"{PRODUCTS}/{product['id']}")).json()
    movements = await client.get(
        f"{PRODUCTS}/{product['id']}/stock-movements",
        params={"limit": 100},
        headers=admin["headers"],
    )
    assert final["stock"] == 0 == sum(m["delta"] for m in movements.json()["items"])
    assert final["version"] == 11


async def test_an_archived_product_is_hidden_from_all_but_admins(
    client: httpx.AsyncClient, admin: dict, customer: dict
) -> None:
    product = await _create(client, admin)
    url = f"{PRODUCTS}/{product['id']}"
    response = await client.delete(url, headers=admin["headers"])
    assert response.status_code == 204 and response.content == b""
    assert (await client.delete(url, headers=admin["headers"])).status_code == 204  # idempotent
    shopper = bearer(customer["tokens"]["access_token"])
    assert_problem(await client.get(url), 404, "not_found")
    assert_problem(await client.get(url, headers=shopper), 404, "not_found")
    # Deleted is gone, for admins too, unless they ask for it as the list does.
    assert_problem(await client.get(url, headers=admin["headers"]), 404, "not_found")
    asked = await client.get(url, params={"include_archived": "true"}, headers=admin["headers"])
    assert asked.json()["is_active"] is False
    for caller in ({}, shopper):
        refused = await client.get(url, params={"include_archived": "true"}, headers=caller)
        assert_problem(refused, 403, "forbidden")
    assert (await client.get(PRODUCTS)).json()["items"] == []
    assert_problem(
        await client.get(PRODUCTS, params={"include_archived": "true"}, headers=shopper),
        403,
        "forbidden",
    )
    assert_problem(
        await client.get(PRODUCTS, params={"include_archived": "true"}), 403, "forbidden"
    )
    listed = await client.get(
        PRODUCTS, params={"include_archived": "true"}, headers=admin["headers"]
    )
    assert [p["id"] for p in listed.json()["items"]] == [product["id"]]
    restored = await client.patch(url, json={"is_active": True}, headers=admin["headers"])
    assert restored.json()["is_active"] is True
    assert (await client.get(url)).status_code == 200


async def test_unknown_products_are_404_and_bad_ids_422(
    client: httpx.AsyncClient, admin: dict
) -> None:
    missing = f"{PRODUCTS}/0190d4c6-0000-7000-8000-000000000000"
    assert_problem(await client.get(missing), 404, "not_found")
    assert_problem(
        await client.patch(missing, json={"name": "X"}, headers=admin["headers"]), 404, "not_found"
    )
    assert_problem(await client.delete(missing, headers=admin["headers"]), 404, "not_found")
    assert_problem(
        await client.get(f"{missing}/stock-movements", headers=admin["headers"]), 404, "not_found"
    )
    assert_problem(await client.get(f"{PRODUCTS}/42"), 422, "validation_error")


def _same_answer(fast: httpx.Response, declared: httpx.Response) -> None:
    assert (fast.status_code, fast.content) == (declared.status_code, declared.content)
    for header in ("content-type", "content-length", "etag"):
        assert fast.headers.get(header) == declared.headers.get(header)


async def test_anonymous_reads_are_answered_ahead_of_the_declared_route_and_alike(
    client: httpx.AsyncClient, admin: dict, settings: Settings, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The busiest read skips FastAPI's dependencies for anonymous callers (the caller
    lookup is counted here); what it cannot answer simply falls through to the declared
    route, which answers the same."""
    product = await _create(client, admin)
    archived = await _create(client, admin, sku="OLD-1")
    await client.delete(f"{PRODUCTS}/{archived['id']}", headers=admin["headers"])
    lookups: list[None] = []

    async def anonymous_caller(request: Request, token: str | None) -> Actor:
        lookups.append(None)
        return await optional_actor(request, token)

    monkeypatch.setattr(limits, "optional_actor", anonymous_caller)
    async with serving(build_container(settings)) as other:
        for product_id, tags in [
            (product["id"], None),
            (product["id"], '"1"'),
            (product["id"], '"2"'),
            (archived["id"], None),
            ("0190d4c6-0000-7000-8000-000000000000", None),
        ]:
            headers = {"X-Request-ID": "same"} | ({"If-None-Match": tags} if tags else {})
            fast = await other.get(f"{PRODUCTS}/{product_id}", headers=headers)
            assert lookups == []
            # An id in a spelling only the declared route takes.
            declared = await other.get(f"{PRODUCTS}/urn:uuid:{product_id}", headers=headers)
            assert lookups.pop() is None
            if fast.status_code == 404:  # the problem names the path it was asked at
                assert fast.json() | {"instance": None} == declared.json() | {"instance": None}
            else:
                _same_answer(fast, declared)
        too_long = {"If-None-Match": '"1"' * 400}
        declared = await other.get(f"{PRODUCTS}/{product['id']}", headers=too_long)
        assert_problem(declared, 422, "validation_error")
        assert len(lookups) == 1


async def _catalog(client: httpx.AsyncClient, admin: dict) -> None:
    for sku, name, price, stock, description in [
        ("MUG-001", "Enamel mug", "12.50", 3, "Keeps COFFEE warm"),
        ("CUP-002", "cup", "4.00", 0, ""),
        ("PLATE-3", "Plate", "12.50", 8, ""),
        ("BOWL-4", "Bowl", "12.50", 1, "for coffee or soup"),
        ("TEA-5", "Teapot", "30.00", 2, ""),
    ]:
        await _create(
            client,
            admin,
            sku=sku,
            name=name,
            price=_usd(price),
            stock=stock,
            description=description,
        )


async def _every_page(client: httpx.AsyncClient, **params: Any) -> list[str]:
    seen, cursor = [], None
    while True:
        query = params | {"limit": 2} | ({"cursor": cursor} if cursor else {})
        response = await client.get(PRODUCTS, params=query)
        assert response.status_code == 200, response.text
        seen += [p["sku"] for p in response.json()["items"]]
        if (cursor := response.json()["next_cursor"]) is None:
            return seen


async def test_anyone_browses_in_every_sort_page_by_page(
    client: httpx.AsyncClient, admin: dict
) -> None:
    await _catalog(client, admin)
    assert await _every_page(client) == ["TEA-5", "BOWL-4", "PLATE-3", "CUP-002", "MUG-001"]
    assert await _every_page(client, sort="created_at") == [
        "MUG-001",
        "CUP-002",
        "PLATE-3",
        "BOWL-4",
        "TEA-5",
    ]
    # Ties in price are broken by id, the same way on every page.
    assert await _every_page(client, sort="price") == [
        "CUP-002",
        "MUG-001",
        "PLATE-3",
        "BOWL-4",
        "TEA-5",
    ]
    assert await _every_page(client, sort="-price") == [
        "TEA-5",
        "BOWL-4",
        "PLATE-3",
        "MUG-001",
        "CUP-002",
    ]
    assert await _every_page(client, sort="name") == [
        "BOWL-4",
        "CUP-002",
        "MUG-001",
        "PLATE-3",
        "TEA-5",
    ]
    assert await _every_page(client, sort="-name") == [
        "TEA-5",
        "PLATE-3",
        "MUG-001",
        "CUP-002",
        "BOWL-4",
    ]


async def test_search_and_filters(client: httpx.AsyncClient, admin: dict) -> None:
    await _catalog(client, admin)
    assert await _every_page(client, q="coffee", sort="name") == ["BOWL-4", "MUG-001"]
    assert await _every_page(client, q="plate-3") == ["PLATE-3"]
    assert await _every_page(client, q="%") == []
    assert await _every_page(client, min_price="12.50", max_price="20.00", sort="name") == [
        "BOWL-4",
        "MUG-001",
        "PLATE-3",
    ]
    assert await _every_page(client, in_stock="false") == ["CUP-002"]
    assert await _every_page(client, in_stock="true", q="coffee", sort="price") == [
        "MUG-001",
        "BOWL-4",
    ]


@pytest.mark.parametrize(
    "params",
    [
        {"limit": 0},
        {"limit": 101},
        {"min_price": "1.5"},
        {"max_price": "-1.00"},
        {"sort": "stock"},
        {"q": "a\x00"},
    ],
)
async def test_bad_list_parameters_are_422(client: httpx.AsyncClient, params: dict) -> None:
    assert_problem(await client.get(PRODUCTS, params=params), 422, "validation_error")


async def test_a_bad_query_string_names_each_bad_parameter(client: httpx.AsyncClient) -> None:
    response = await client.get(PRODUCTS, params={"limit": "many", "sort": "stock", "x": "1"})
    assert_problem(response, 422, "validation_error")
    issues = {tuple(issue["loc"]): issue["type"] for issue in response.json()["errors"]}
    assert issues == {("query", "limit"): "int_parsing", ("query", "sort"): "enum"}


async def test_a_parameter_given_twice_counts_once_at_its_last_value(
    client: httpx.AsyncClient, admin: dict
) -> None:
    await _catalog(client, admin)
    response = await client.get(f"{PRODUCTS}?limit=100&limit=1")
    assert response.status_code == 200 and len(response.json()["items"]) == 1


async def test_a_cursor_works_only_for_the_sort_it_came_from(
    client: httpx.AsyncClient, admin: dict
) -> None:
    await _catalog(client, admin)
    cursor = (await client.get(PRODUCTS, params={"sort": "price", "limit": 1})).json()[
        "next_cursor"
    ]
    assert (
        await client.get(PRODUCTS, params={"sort": "price", "cursor": cursor})
    ).status_code == 200
    for other in ("-price", "name", "created_at"):
        assert_problem(
            await client.get(PRODUCTS, params={"sort": other, "cursor": cursor}),
            400,
            "invalid_cursor",
        )
    assert_problem(
        await client.get(PRODUCTS, params={"sort": "price", "cursor": cursor[:-2]}),
        400,
        "invalid_cursor",
    )
