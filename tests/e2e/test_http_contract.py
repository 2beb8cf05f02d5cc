"""What every endpoint shares: problem details, request ids, limits, docs, health."""

import logging

import httpx
import pytest
from dependency_injector import providers

from entrypoints.container import Container
from tests.e2e.conftest import API, assert_problem


async def test_a_sane_request_id_is_echoed_and_others_replaced(client: httpx.AsyncClient) -> None:
    echoed = await client.get("/health/live", headers={"X-Request-ID": "abc-123"})
    replaced = await client.get("/health/live", headers={"X-Request-ID": "<script>"})
    generated = await client.get("/health/live")
    assert echoed.headers["x-request-id"] == "abc-123"
    assert replaced.headers["x-request-id"] != "<script>"
    assert len(generated.headers["x-request-id"]) == 32


async def test_unknown_routes_and_methods_are_problems(client: httpx.AsyncClient) -> None:
    body = assert_problem(await client.get(f"{API}/nowhere"), 404, "not_found")
    assert body["instance"] == f"{API}/nowhere"
    assert_problem(await client.delete(f"{API}/auth/register"), 405, "method_not_allowed")


async def test_malformed_json_is_a_bad_request(client: httpx.AsyncClient) -> None:
    response = await client.post(
        f"{API}/auth/register", content=b'{"email": ', headers={"Content-Type": "application/json"}
    )
    assert_problem(response, 400, "bad_request")


async def test_a_body_over_one_mebibyte_is_refused_by_its_declared_length(
    client: httpx.AsyncClient,
) -> None:
    response = await client.post(
        f"{API}/auth/register",
        content=b"{" + b" " * (1024 * 1024) + b"}",
        headers={"Content-Type": "application/json"},
    )
    assert_problem(response, 413, "payload_too_large")


async def test_a_streamed_body_over_one_mebibyte_is_refused(client: httpx.AsyncClient) -> None:
    async def chunks():  # type: ignore[no-untyped-def]
        for _ in range(17):
            yield b" " * 65536

    response = await client.post(
        f"{API}/auth/register", content=chunks(), headers={"Content-Type": "application/json"}
    )
    assert_problem(response, 413, "payload_too_large")


async def test_an_unexpected_error_is_a_500_without_internals_logged_once(
    client: httpx.AsyncClient,
    container: Container,
    customer: dict,
    caplog: pytest.LogCaptureFixture,
) -> None:
    class Broken:
        async def __call__(self, cmd: object) -> None:
            raise RuntimeError("SELECT secret FROM vault")

    with container.users.authorize.override(providers.Factory(Broken)):
        response = await client.get(
            f"{API}/users/me",
            headers={"Authorization": f"Bearer {customer['tokens']['access_token']}"},
        )
    body = assert_problem(response, 500, "internal_error")
    assert "SELECT" not in response.text and "Traceback" not in response.text
    assert body["request_id"] in body["detail"]
    [logged] = [r for r in caplog.records if r.levelno >= logging.ERROR]
    assert body["request_id"] in logged.getMessage() and logged.exc_info is not None


async def test_liveness_and_readiness(client: httpx.AsyncClient) -> None:
    assert (await client.get("/health/live")).json() == {"status": "ok"}
    ready = await client.get("/health/ready")
    assert ready.json() == {"status": "ok", "checks": {"database": "ok"}, "payments": "fake"}


async def test_the_docs_offer_the_password_flow(client: httpx.AsyncClient) -> None:
    schema = (await client.get("/openapi.json")).json()
    flows = schema["components"]["securitySchemes"]["OAuth2PasswordBearer"]["flows"]
    assert flows["password"]["tokenUrl"] == f"{API}/auth/token"
    assert (await client.get("/docs")).status_code == 200
    assert "Problem" in schema["components"]["schemas"]


async def test_a_405_allows_every_method_of_the_path(client: httpx.AsyncClient) -> None:
    response = await client.delete(f"{API}/users/me")
    assert_problem(response, 405, "method_not_allowed")
    assert response.headers["allow"] == "GET, HEAD, PATCH"


async def test_a_413_is_shaped_and_serialised_like_every_problem(
    client: httpx.AsyncClient,
) -> None:
    too_large = await client.post(
        f"{API}/auth/register",
        content=b"{" + b" " * (1024 * 1024) + b"}",
        headers={"Content-Type": "application/json"},
    )
    other = await client.get(f"{API}/nowhere")
    assert too_large.json().keys() == other.json().keys()
    assert b'","' in too_large.content and b'","' in other.content  # compact, alike


async def test_every_error_answer_in_the_schema_is_a_problem(client: httpx.AsyncClient) -> None:
    schema = (await client.get("/openapi.json")).json()
    for path, operations in schema["paths"].items():
        for method, operation in operations.items():
            for status, answer in operation["responses"].items():
                if status[0] in "45":
                    assert answer["content"] == {
                        "application/problem+json": {
                            "schema": {"$ref": "#/components/schemas/Problem"}
                        }
                    }, (method, path, status)
    me = schema["paths"][f"{API}/users/me"]
    assert sorted(me["get"]["responses"]) == ["200", "401", "503"]
    assert "400" in schema["paths"][f"{API}/users"]["get"]["responses"]
    assert "403" in schema["paths"][f"{API}/users"]["get"]["responses"]
    assert {"400", "413", "422"} <= me["patch"]["responses"].keys()


async def test_the_liveness_probe_answers_at_the_edge_like_any_endpoint(
    client: httpx.AsyncClient,
) -> None:
    live = await client.get("/health/live", headers={"X-Request-ID": "probe-1"})
    assert live.json() == {"status": "ok"} and live.headers["x-request-id"] == "probe-1"
    assert live.headers["content-type"] == "application/json"
    head = await client.head("/health/live")
    assert head.status_code == 200 and head.content == b""
    refused = await client.post("/health/live")
    assert_problem(refused, 405, "method_not_allowed")
    assert refused.headers["allow"] == "GET, HEAD"


async def test_head_answers_every_get_route_as_get_without_a_body(
    client: httpx.AsyncClient,
) -> None:
    for path in ("/health/ready", f"{API}/products", "/openapi.json", "/docs"):
        got, head = await client.get(path), await client.head(path)
        assert head.status_code == got.status_code == 200, path
        assert head.content == b"" and head.headers["content-length"] == str(len(got.content))
        assert head.headers["content-type"] == got.headers["content-type"]
    missing = await client.head(f"{API}/products/0190d4c6-0000-7000-8000-000000000000")
    assert missing.status_code == 404 and missing.content == b""
    assert (await client.head(f"{API}/auth/register")).status_code == 405


async def test_bodies_the_parser_refuses_are_400_bad_request(client: httpx.AsyncClient) -> None:
    json = {"Content-Type": "application/json"}
    for body in (b"[" * 100_000 + b"]" * 100_000, b'{"email": "\xff\xfe"}', b"9" * 5000):
        response = await client.post(f"{API}/auth/register", content=body, headers=json)
        assert_problem(response, 400, "bad_request")


async def test_a_body_sent_to_an_operation_that_takes_none_is_refused(
    client: httpx.AsyncClient,
) -> None:
    order = f"{API}/orders/0190d4c6-0000-7000-8000-000000000000"
    for path in (f"{order}/cancel", f"{order}/deliver"):
        response = await client.post(path, json={"status": "paid"})
        assert_problem(response, 422, "validation_error")
        assert response.json()["errors"][0]["loc"] == ["body"]
