"""The admins' webhook endpoints through HTTP: the secret shown once, changes, a ping,
deliveries and redelivery; bad input is a 422 and changes nothing; customers get 403."""

from collections.abc import Iterator
from typing import Any

import httpx
import pytest
from standardwebhooks import Webhook

from entrypoints.api.schemas.webhooks import event_body
from entrypoints.events import EVENT_TYPES, OUTBOX_TYPES
from entrypoints.settings import Settings
from tests.e2e.conftest import API, assert_problem, bearer
from tests.peers import WebhookReceiver

HOOKS = f"{API}/webhooks"


@pytest.fixture
def settings(settings: Settings) -> Settings:
    """The test receiver listens on loopback: allowed, as an operator would allow it."""
    return settings.model_copy(update={"webhook_allowed_networks": ["127.0.0.0/8"]})


@pytest.fixture
def hooks() -> Iterator[WebhookReceiver]:
    with WebhookReceiver() as receiver:
        yield receiver


async def create(client: httpx.AsyncClient, admin: dict[str, Any], **body: Any) -> httpx.Response:
    return await client.post(HOOKS, json=body, headers=admin["headers"])


async def test_an_endpoint_is_created_with_its_secret_shown_once(
    client: httpx.AsyncClient, admin: dict[str, Any], hooks: WebhookReceiver
) -> None:
    created = await create(client, admin, url=hooks.url, event_types=["order.paid", "order.paid"])
    assert created.status_code == 201, created.text
    body = created.json()
    assert body["secret"].startswith("whsec_")
    assert (body["url"], body["event_types"], body["enabled"]) == (hooks.url, ["order.paid"], True)
    assert created.headers["location"] == f"{HOOKS}/{body['id']}"

    read = await client.get(created.headers["location"], headers=admin["headers"])
    listed = await client.get(HOOKS, headers=admin["headers"])
    assert read.json() == {k: v for k, v in body.items() if k != "secret"}
    assert listed.json() == {"items": [read.json()]}


async def deliver(container: Any) -> None:
    """What a worker does: relay the outbox, then send what is due."""
    await container.notifications.relay_events()()
    await container.notifications.deliver_due()()


async def test_a_ping_goes_to_the_endpoint_alone_signed_and_rotation_adds_a_signature(
    client: httpx.AsyncClient, admin: dict[str, Any], hooks: WebhookReceiver, container: Any
) -> None:
    endpoint = (await create(client, admin, url=hooks.url, event_types=["order.paid"])).json()
    await create(client, admin, url=hooks.url + "/other", event_types=["*"])
    pinged = await client.post(f"{HOOKS}/{endpoint['id']}/ping", headers=admin["headers"])
    assert (pinged.status_code, pinged.content) == (202, b"")
    await deliver(container)
    pings = [(p, h, b) for p, h, b in hooks.requests if b"webhook.ping" in b]
    [(path, headers, body)] = pings  # not to the endpoint that wants every event
    event = Webhook(endpoint["secret"]).verify(body, headers)
    assert (path, event["type"], event["data"]["id"]) == ("/hooks", "webhook.ping", endpoint["id"])

    rotated = await client.post(f"{HOOKS}/{endpoint['id']}/rotate-secret", headers=admin["headers"])
    assert rotated.status_code == 200 and rotated.json()["secret"] != endpoint["secret"]
    await client.post(f"{HOOKS}/{endpoint['id']}/ping", headers=admin["headers"])
    await deliver(container)
    _, headers, body = [r for r in hooks.requests if b"webhook.ping" in r[2]][1]
    for secret in (endpoint["secret"], rotated.json()["secret"]):  # either verifies
        Webhook(secret).verify(body, headers)


async def test_an_endpoint_is_changed_and_deleted(
    client: httpx.AsyncClient, admin: dict[str, Any], hooks: WebhookReceiver
) -> None:
    endpoint = (await create(client, admin, url=hooks.url, event_types=["*"])).json()
    path = f"{HOOKS}/{endpoint['id']}"
    changed = await client.patch(
        path,
        json={"enabled": False, "event_types": ["product.created"], "description": "ERP"},
        headers=admin["headers"],
    )
    assert changed.status_code == 200, changed.text
    assert {k: changed.json()[k] for k in ("enabled", "event_types", "description")} == {
        "enabled": False,
        "event_types": ["product.created"],
        "description": "ERP",
    }
    assert (await client.delete(path, headers=admin["headers"])).status_code == 204
    assert_problem(await client.get(path, headers=admin["headers"]), 404, "not_found")
    assert_problem(await client.delete(path, headers=admin["headers"]), 404, "not_found")


@pytest.mark.parametrize(
    "body",
    [
        {"url": "ftp://example.com/hooks", "event_types": ["*"]},
        {"url": "https://user:pw@example.com/hooks", "event_types": ["*"]},
        {"url": "https://example.com:99999/hooks", "event_types": ["*"]},
        {"url": "https:///hooks", "event_types": ["*"]},
        {"url": "https://example.com/hooks", "event_types": []},
        {"url": "https://example.com/hooks", "event_types": ["order.lost"]},
        {"url": "https://example.com/hooks", "event_types": ["*"], "secret": "whsec_mine"},
        {"url": "https://example.com/" + "a" * 2000, "event_types": ["*"]},
        {"url": "http://10.1.2.3/hooks", "event_types": ["*"]},  # not a public address
        {"url": "http://169.254.169.254/latest", "event_types": ["*"]},
        {"url": "http://0.0.0.0/hooks", "event_types": ["*"]},
    ],
)
async def test_bad_input_is_a_422_and_creates_nothing(
    client: httpx.AsyncClient, admin: dict[str, Any], body: dict[str, Any]
) -> None:
    assert_problem(await create(client, admin, **body), 422, "validation_error")
    assert (await client.get(HOOKS, headers=admin["headers"])).json() == {"items": []}


async def test_customers_are_forbidden_the_webhooks(
    client: httpx.AsyncClient, customer: dict[str, Any]
) -> None:
    headers = bearer(customer["tokens"]["access_token"])
    response = await client.post(
        HOOKS, json={"url": "https://example.com/h", "event_types": ["*"]}, headers=headers
    )
    assert_problem(response, 403, "forbidden")
    assert_problem(await client.get(HOOKS, headers=headers), 403, "forbidden")


async def test_deliveries_are_listed_and_one_redelivered(
    client: httpx.AsyncClient, admin: dict[str, Any], hooks: WebhookReceiver, container: Any
) -> None:
    endpoint = (await create(client, admin, url=hooks.url, event_types=["product.created"])).json()
    product = {"sku": "TEA-1", "name": "Tea", "price": {"amount": "4.50", "currency": "USD"}}
    assert (await client.post(f"{API}/products", json=product, headers=admin["headers"])).is_success
    await deliver(container)

    path = f"{HOOKS}/{endpoint['id']}/deliveries"
    [delivery] = (await client.get(path, headers=admin["headers"])).json()["items"]
    assert (
        delivery["event_type"],
        delivery["status"],
        delivery["attempts"],
        delivery["last_status_code"],
    ) == ("product.created", "succeeded", 1, 200)
    assert hooks.requests[0][1]["webhook-id"] == delivery["event_id"]
    event_body("product.created").model_validate_json(hooks.requests[0][2])  # as declared

    again = await client.post(f"{path}/{delivery['id']}/redeliver", headers=admin["headers"])
    assert again.status_code == 202 and again.json()["status"] == "pending"
    await deliver(container)
    assert [h["webhook-id"] for _, h, _ in hooks.requests] == [delivery["event_id"]] * 2

    elsewhere = f"{HOOKS}/{admin['id']}/deliveries/{delivery['id']}/redeliver"
    assert_problem(await client.post(elsewhere, headers=admin["headers"]), 404, "not_found")


async def test_the_openapi_document_declares_every_event_a_webhook_delivers(
    client: httpx.AsyncClient,
) -> None:
    document = (await client.get("/openapi.json")).json()
    assert set(document["webhooks"]) == OUTBOX_TYPES == EVENT_TYPES | {"webhook.ping"}
    assert "webhook.ping" not in EVENT_TYPES  # nobody subscribes to another's pings
    paid = document["webhooks"]["order.paid"]["post"]
    assert {p["name"] for p in paid["parameters"]} == {
        "webhook-id",
        "webhook-timestamp",
        "webhook-signature",
    }
    body = paid["requestBody"]["content"]["application/json"]["schema"]["$ref"]
    data = document["components"]["schemas"][body.split("/")[-1]]["properties"]["data"]
    assert data == {"$ref": "#/components/schemas/OrderOut"}


async def test_deliveries_come_in_pages_newest_first(
    client: httpx.AsyncClient, admin: dict[str, Any], hooks: WebhookReceiver, container: Any
) -> None:
    endpoint = (await create(client, admin, url=hooks.url, event_types=["order.paid"])).json()
    for _ in range(3):  # three pings, none of them anything else
        await client.post(f"{HOOKS}/{endpoint['id']}/ping", headers=admin["headers"])
        await deliver(container)
    path = f"{HOOKS}/{endpoint['id']}/deliveries"
    first = (await client.get(path, params={"limit": 2}, headers=admin["headers"])).json()
    rest = await client.get(
        path, params={"limit": 2, "cursor": first["next_cursor"]}, headers=admin["headers"]
    )
    ids = [d["id"] for d in first["items"] + rest.json()["items"]]
    assert rest.json()["next_cursor"] is None and len(set(ids)) == 3
    assert ids == sorted(ids, reverse=True)
    elsewhere = await client.get(
        f"{HOOKS}/{admin['id']}/deliveries",
        params={"cursor": first["next_cursor"]},
        headers=admin["headers"],
    )
    assert_problem(elsewhere, 404, "not_found")
