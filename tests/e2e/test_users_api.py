import httpx
import pytest

from entrypoints.container import Container
from tests.e2e.conftest import API, assert_problem, bearer, register, sign_in


async def test_a_user_can_rename_themselves(client: httpx.AsyncClient, customer: dict) -> None:
    headers = bearer(customer["tokens"]["access_token"])
    response = await client.patch(
        f"{API}/users/me", json={"full_name": " Grace  Hopper "}, headers=headers
    )
    assert response.status_code == 200 and response.json()["full_name"] == "Grace Hopper"
    assert (await client.get(f"{API}/users/me", headers=headers)).json()[
        "full_name"
    ] == "Grace Hopper"


async def test_a_user_cannot_make_themselves_admin(
    client: httpx.AsyncClient, customer: dict
) -> None:
    headers = bearer(customer["tokens"]["access_token"])
    response = await client.patch(
        f"{API}/users/me", json={"full_name": "X", "role": "admin"}, headers=headers
    )
    assert_problem(response, 422, "validation_error")
    assert (await client.get(f"{API}/users/me", headers=headers)).json()["role"] == "customer"


@pytest.mark.parametrize(
    ("method", "path"),
    [("GET", "/users"), ("GET", "/users/{id}"), ("PATCH", "/users/{id}")],
)
async def test_customers_are_forbidden_the_admin_routes(
    client: httpx.AsyncClient, customer: dict, method: str, path: str
) -> None:
    response = await client.request(
        method,
        API + path.format(id=customer["id"]),
        json={"role": "admin"} if method == "PATCH" else None,
        headers=bearer(customer["tokens"]["access_token"]),
    )
    assert_problem(response, 403, "forbidden")


async def test_admins_page_through_users_newest_first(
    client: httpx.AsyncClient, admin: dict
) -> None:
    created = [(await register(client))["id"] for _ in range(5)]
    seen, cursor = [], None
    while True:
        params = {"limit": 2} | ({"cursor": cursor} if cursor else {})
        page = (await client.get(f"{API}/users", params=params, headers=admin["headers"])).json()
        seen += [u["id"] for u in page["items"]]
        cursor = page["next_cursor"]
        if cursor is None:
            break
    assert seen == [*reversed(created), admin["id"]]


async def test_admins_filter_users_by_role_and_text(client: httpx.AsyncClient, admin: dict) -> None:
    await register(client, full_name="Ada Lovelace")
    await register(client, full_name="Alan Turing")
    admins = await client.get(f"{API}/users", params={"role": "admin"}, headers=admin["headers"])
    adas = await client.get(f"{API}/users", params={"q": "lovelace"}, headers=admin["headers"])
    assert [u["id"] for u in admins.json()["items"]] == [admin["id"]]
    assert [u["full_name"] for u in adas.json()["items"]] == ["Ada Lovelace"]


@pytest.mark.parametrize("cursor", ["garbage!", "bm90IGpzb24", "WyJub3BlIiwiMSJd"])
async def test_a_tampered_cursor_is_a_400(
    client: httpx.AsyncClient, admin: dict, cursor: str
) -> None:
    response = await client.get(f"{API}/users", params={"cursor": cursor}, headers=admin["headers"])
    assert_problem(response, 400, "invalid_cursor")


@pytest.mark.parametrize("params", [{"limit": 0}, {"limit": 101}, {"limit": "x"}, {"role": "king"}])
async def test_bad_list_parameters_are_a_422(
    client: httpx.AsyncClient, admin: dict, params: dict
) -> None:
    response = await client.get(f"{API}/users", params=params, headers=admin["headers"])
    assert_problem(response, 422, "validation_error")


async def test_an_unknown_or_malformed_user_id(client: httpx.AsyncClient, admin: dict) -> None:
    missing = await client.get(
        f"{API}/users/01a20255-4106-702e-be74-e539f2a09246", headers=admin["headers"]
    )
    assert_problem(missing, 404, "not_found")
    malformed = await client.get(f"{API}/users/42", headers=admin["headers"])
    assert_problem(malformed, 422, "validation_error")


async def test_an_admin_promotes_a_customer(
    client: httpx.AsyncClient, admin: dict, customer: dict
) -> None:
    response = await client.patch(
        f"{API}/users/{customer['id']}", json={"role": "admin"}, headers=admin["headers"]
    )
    assert response.status_code == 200 and response.json()["role"] == "admin"
    listed = await client.get(f"{API}/users", params={"role": "admin"}, headers=admin["headers"])
    assert {u["id"] for u in listed.json()["items"]} == {admin["id"], customer["id"]}


async def test_deactivation_cuts_access_at_once(
    client: httpx.AsyncClient, admin: dict, customer: dict
) -> None:
    headers = bearer(customer["tokens"]["access_token"])
    assert (await client.get(f"{API}/users/me", headers=headers)).status_code == 200
    response = await client.patch(
        f"{API}/users/{customer['id']}", json={"is_active": False}, headers=admin["headers"]
    )
    assert response.json()["is_active"] is False

    assert_problem(await client.get(f"{API}/users/me", headers=headers), 401, "invalid_token")
    refresh = await client.post(
        f"{API}/auth/refresh", json={"refresh_token": customer["tokens"]["refresh_token"]}
    )
    assert_problem(refresh, 401, "invalid_token")
    login = await client.post(
        f"{API}/auth/token", data={"username": customer["email"], "password": customer["password"]}
    )
    assert_problem(login, 401, "invalid_credentials")


async def test_the_last_admin_can_neither_step_down_nor_be_deactivated(
    client: httpx.AsyncClient, admin: dict
) -> None:
    for change in ({"role": "customer"}, {"is_active": False}):
        response = await client.patch(
            f"{API}/users/{admin['id']}", json=change, headers=admin["headers"]
        )
        assert_problem(response, 409, "last_admin")
    assert (await client.get(f"{API}/users/me", headers=admin["headers"])).json()["role"] == "admin"


async def test_a_demoted_admin_loses_admin_rights_at_once(
    client: httpx.AsyncClient, container: Container, admin: dict
) -> None:
    other = await register(client)
    await client.patch(
        f"{API}/users/{other['id']}", json={"role": "admin"}, headers=admin["headers"]
    )
    other_headers = bearer((await sign_in(client, other["email"]))["access_token"])
    demoted = await client.patch(
        f"{API}/users/{admin['id']}", json={"role": "customer"}, headers=other_headers
    )
    assert demoted.status_code == 200
    assert_problem(await client.get(f"{API}/users", headers=admin["headers"]), 403, "forbidden")


async def test_a_search_with_control_characters_is_a_422(
    client: httpx.AsyncClient, admin: dict
) -> None:
    response = await client.get(f"{API}/users", params={"q": "a\u0000"}, headers=admin["headers"])
    assert_problem(response, 422, "validation_error")


async def test_an_empty_patch_of_ones_profile_changes_nothing(
    client: httpx.AsyncClient, customer: dict
) -> None:
    headers = bearer(customer["tokens"]["access_token"])
    before = (await client.get(f"{API}/users/me", headers=headers)).json()
    response = await client.patch(f"{API}/users/me", json={}, headers=headers)
    assert response.status_code == 200 and response.json() == before


@pytest.mark.parametrize("is_active", [0, 1, "true", "false", None])
async def test_json_types_are_strict(
    client: httpx.AsyncClient, admin: dict, customer: dict, is_active: object
) -> None:
    response = await client.patch(
        f"{API}/users/{customer['id']}", json={"is_active": is_active}, headers=admin["headers"]
    )
    if is_active is None:  # null is "leave it as it is"
        assert response.status_code == 200 and response.json()["is_active"] is True
    else:
        assert_problem(response, 422, "validation_error")
