"""The webhook client against a real HTTP server: it posts only to public addresses
(unless an operator allowed a network), checks every address a name resolves to, follows
no redirect, and passes the receiver's Retry-After on."""

from collections.abc import Iterator
from datetime import timedelta

import pytest

from adapters.webhooks import HttpWebhookClient
from application.notifications.ports import SendFailed
from tests.peers import WebhookReceiver

HEADERS = {"content-type": "application/json"}


@pytest.fixture
def hooks() -> Iterator[WebhookReceiver]:
    with WebhookReceiver() as receiver:
        yield receiver


@pytest.mark.parametrize(
    "host",
    [
        "127.0.0.1",
        "localhost",  # a name that resolves to loopback
        "[::1]",
        "[::ffff:127.0.0.1]",  # loopback, spelled as IPv6
        "0.0.0.0",  # noqa: S104 - the address under test
        "10.1.2.3",
        "192.168.0.1",
        "169.254.169.254",  # a cloud's metadata service
        "[fe80::1]",
        "224.0.0.1",
    ],
)
async def test_an_address_that_is_not_public_is_refused_before_any_request(
    hooks: WebhookReceiver, host: str
) -> None:
    client = HttpWebhookClient(https_only=False)
    try:
        with pytest.raises(SendFailed, match=r"refused: .* not a public address"):
            await client.post(f"http://{host}:{hooks.port}/hooks", HEADERS, "{}")
    finally:
        await client.close()
    assert hooks.requests == []


async def test_an_allowed_network_is_reached_at_the_address_checked(
    hooks: WebhookReceiver,
) -> None:
    client = HttpWebhookClient(https_only=False, allowed_networks=["127.0.0.0/8"])
    try:
        assert await client.post(hooks.url, HEADERS, '{"a":1}') == 200
    finally:
        await client.close()
    [(path, headers, body)] = hooks.requests
    assert (path, headers["host"], body) == ("/hooks", f"127.0.0.1:{hooks.port}", b'{"a":1}')


async def test_a_redirect_is_not_followed(hooks: WebhookReceiver) -> None:
    hooks.answers = [(302, {"location": "http://169.254.169.254/latest/meta-data"})]
    client = HttpWebhookClient(https_only=False, allowed_networks=["127.0.0.0/8"])
    try:
        with pytest.raises(SendFailed, match=r"redirect to http://169\.254\.169\.254/") as failed:
            await client.post(hooks.url, HEADERS, "{}")
    finally:
        await client.close()
    assert failed.value.status == 302
    assert len(hooks.requests) == 1


@pytest.mark.parametrize(
    ("header", "wait"),
    [
        ("120", timedelta(seconds=120)),
        ("Wed, 21 Oct 2015 07:28:00 GMT", timedelta()),  # a date passed: at once
        ("999999999", timedelta(hours=24)),  # at most a day
        ("soon", None),
    ],
)
async def test_retry_after_is_passed_on(
    hooks: WebhookReceiver, header: str, wait: timedelta | None
) -> None:
    hooks.answers = [(429, {"retry-after": header})]
    client = HttpWebhookClient(https_only=False, allowed_networks=["127.0.0.0/8"])
    try:
        with pytest.raises(SendFailed, match="answered 429") as failed:
            await client.post(hooks.url, HEADERS, "{}")
    finally:
        await client.close()
    assert (failed.value.status, failed.value.retry_after) == (429, wait)


async def test_production_refuses_plain_http(hooks: WebhookReceiver) -> None:
    client = HttpWebhookClient(https_only=True, allowed_networks=["127.0.0.0/8"])
    try:
        with pytest.raises(SendFailed, match="only https"):
            await client.post(hooks.url, HEADERS, "{}")
    finally:
        await client.close()
    assert hooks.requests == []


async def test_an_endpoint_is_refused_at_once_only_for_an_address_it_may_not_reach() -> None:
    client, production = HttpWebhookClient(https_only=False), HttpWebhookClient(https_only=True)
    try:
        assert "not a public address" in (await client.refusal("http://localhost/h") or "")
        assert await client.refusal("http://no-such-host.invalid/h") is None  # not yet
        assert "only https" in (await production.refusal("http://example.com/h") or "")
    finally:
        await client.close()
        await production.close()
