"""Properties over generated input: what must hold for any value, not just the examples."""

from datetime import UTC, datetime, timedelta
from uuid import UUID

import pytest
from hypothesis import given
from hypothesis import strategies as st

from domain.shared.errors import InvalidValue
from domain.users import Email
from entrypoints.api.pagination import InvalidCursor, decode_cursor, encode_cursor

aware_datetimes = st.datetimes(
    min_value=datetime(2000, 1, 1), max_value=datetime(2100, 1, 1), timezones=st.just(UTC)
)


@given(aware_datetimes, st.uuids())
def test_a_cursor_decodes_to_the_position_it_encodes(moment: datetime, item: UUID) -> None:
    assert decode_cursor(encode_cursor((moment, item))) == (moment, item)


@given(st.text(max_size=200))
def test_any_tampered_cursor_is_refused_cleanly(cursor: str) -> None:
    try:
        position = decode_cursor(cursor)
    except InvalidCursor:
        return
    assert position is not None and position[0].utcoffset() is not None


@given(st.emails())
def test_parsing_an_email_is_idempotent_and_case_insensitive(raw: str) -> None:
    try:
        email = Email.parse(raw)
    except InvalidValue:
        return
    assert Email.parse(email.value) == email == Email.parse(raw.upper())


@given(st.text(max_size=300))
def test_email_parsing_refuses_with_a_domain_error_or_accepts(raw: str) -> None:
    try:
        email = Email.parse(raw)
    except InvalidValue:
        return
    assert email.value == email.value.strip().lower() and len(email.value) <= 254


def test_a_naive_cursor_time_is_refused() -> None:
    naive = encode_cursor((datetime(2026, 1, 1) + timedelta(0), UUID(int=1)))
    with pytest.raises(InvalidCursor):
        decode_cursor(naive)
