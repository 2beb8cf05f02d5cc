"""Cursors from anywhere but this API, fuzzed against PostgreSQL (where an unchecked one
once reached asyncpg and overflowed): every one is a 400, never a 500."""

import base64
import json
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta, timezone
from uuid import UUID

import httpx
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from entrypoints.api.schemas.common import CURSOR_MAX_LENGTH
from entrypoints.container import Container
from entrypoints.cursors import CursorCodec, InvalidCursor, moment
from entrypoints.settings import Settings
from tests.e2e.conftest import API, assert_problem, build_container, create_admin, serving, sign_in

pytestmark = pytest.mark.postgres


def _b64(raw: bytes) -> str:
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


forged_payloads = st.one_of(
    st.text(max_size=300),
    st.binary(max_size=200).map(_b64),
    st.lists(st.one_of(st.text(max_size=40), st.integers(), st.none()), max_size=3).map(
        lambda parts: _b64(json.dumps(parts).encode())
    ),
    # The case that once gave a 500: a date past year 9999 in UTC, base64-encoded.
    st.just(_b64(json.dumps(["9999-12-31T23:59:59-23:59", str(UUID(int=1))]).encode())),
    st.just("A" * (CURSOR_MAX_LENGTH + 1)),  # longer than any cursor given out
)


@pytest.fixture
async def signed_in(
    postgres_db: str, settings: Settings
) -> AsyncIterator[tuple[httpx.AsyncClient, dict, Container]]:
    container = build_container(settings.model_copy(update={"database_url": postgres_db}))
    async with serving(container) as client:
        await create_admin(container)
        tokens = await sign_in(client, "boss@example.com")
        yield client, {"Authorization": f"Bearer {tokens['access_token']}"}, container


@settings(max_examples=150, deadline=None, suppress_health_check=list(HealthCheck))
@given(cursor=forged_payloads)
async def test_no_forged_cursor_reaches_the_database(signed_in, cursor: str) -> None:  # type: ignore[no-untyped-def]
    client, headers, _ = signed_in
    response = await client.get(f"{API}/users", params={"cursor": cursor}, headers=headers)
    if len(cursor) > CURSOR_MAX_LENGTH:
        assert response.status_code == 422
    else:
        assert_problem(response, 400, "invalid_cursor")


@pytest.mark.parametrize(
    "when",
    [
        datetime(9999, 12, 31, 23, 59, 59, tzinfo=timezone(-timedelta(hours=23, minutes=59))),
        datetime(1, 1, 1, tzinfo=UTC),
        datetime(2026, 1, 1),  # naive: no zone, so no instant
    ],
)
async def test_a_signed_cursor_out_of_range_is_refused_before_any_query(when: datetime) -> None:
    # White-box: signed with the key, as a leaked key would allow; the values are
    # checked all the same.
    codec = CursorCodec("k" * 32)
    payload = json.dumps([when.isoformat(), str(UUID(int=1))]).encode()
    with pytest.raises(InvalidCursor):
        codec.decode(f"{_b64(payload)}.{_b64(codec._mac('users', payload))}", "users", moment)
