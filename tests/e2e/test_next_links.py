"""A client follows a list page by page through its Link header (RFC 8288), as it could
through next_cursor."""

import re
from typing import Any

import httpx

from tests.e2e.conftest import API

LINK = re.compile(r'^<(/api/v1/[^>]+)>; rel="next"$')


async def test_a_list_is_followed_through_its_link_headers(
    client: httpx.AsyncClient, admin: dict[str, Any]
) -> None:
    for n in range(5):
        product = {"sku": f"TEA-{n}", "name": "Tea", "price": {"amount": "1.00", "currency": "USD"}}
        assert (
            await client.post(f"{API}/products", json=product, headers=admin["headers"])
        ).is_success
    seen, url = [], f"{API}/products?limit=2&sort=name"
    while True:
        page = await client.get(url, headers={"host": "evil.example"})
        seen += [item["sku"] for item in page.json()["items"]]
        if page.json()["next_cursor"] is None:
            assert "link" not in page.headers
            break
        link = LINK.match(page.headers["link"])
        assert link is not None, page.headers["link"]  # a path: no Host a client sent
        url = link.group(1)
        assert "limit=2" in url and "sort=name" in url
        assert f"cursor={page.json()['next_cursor']}" in url
    assert seen == [f"TEA-{n}" for n in range(5)]


async def test_every_list_declares_its_link_header(client: httpx.AsyncClient) -> None:
    document = (await client.get("/openapi.json")).json()
    lists = [
        operation
        for operations in document["paths"].values()
        for operation in operations.values()
        if any(p["name"] == "cursor" for p in operation.get("parameters", []))
    ]
    assert len(lists) == 5
    assert all("Link" in o["responses"]["200"]["headers"] for o in lists)
