"""Properties over generated input: what must hold for any value, not just the examples."""

from datetime import UTC, datetime
from uuid import UUID

import pytest
from hypothesis import given
from hypothesis import strategies as st

from domain.shared.errors import InvalidValue
from domain.users import Email
from entrypoints.cursors import CursorCodec, InvalidCursor, integer, moment, text

cursors = CursorCodec("k" * 32)

aware_datetimes = st.datetimes(
    min_value=datetime(2000, 1, 1), max_value=datetime(2100, 1, 1), timezones=st.just(UTC)
)


@given(aware_datetimes, st.uuids())
def test_a_cursor_decodes_to_the_position_it_encodes(when: datetime, item: UUID) -> None:
    assert cursors.decode(cursors.encode((when, item), "users"), "users", moment) == (when, item)


@given(st.text(max_size=200))
def test_any_made_up_cursor_is_refused(cursor: str) -> None:
    with pytest.raises(InvalidCursor):
        cursors.decode(cursor, "users", moment)


@given(aware_datetimes, st.uuids(), st.integers(min_value=0), st.binary(min_size=1, max_size=2))
def test_any_edit_of_a_real_cursor_is_refused(
    when: datetime, item: UUID, at: int, junk: bytes
) -> None:
    cursor = cursors.encode((when, item), "users")
    assert cursor is not None
    at %= len(cursor)
    edited = cursor[:at] + junk.hex() + cursor[at + 1 :]
    with pytest.raises(InvalidCursor):
        cursors.decode(edited, "users", moment)


def test_a_cursor_signed_with_another_key_is_refused() -> None:
    foreign = CursorCodec("another key of at least 32 bytes!!").encode(
        (datetime.now(UTC), UUID(int=1)), "users"
    )
    with pytest.raises(InvalidCursor):
        cursors.decode(foreign, "users", moment)


# Names as the databases store them: UTF-8, so no lone surrogate (the API refuses them).
_STORED_TEXT = st.characters(exclude_characters="\x00", exclude_categories=["Cs"])


@given(st.integers(0, 10**15) | st.text(_STORED_TEXT, max_size=600), st.uuids())
def test_prices_and_names_round_trip_too(key: int | str, item: UUID) -> None:
    read = integer if isinstance(key, int) else text
    assert cursors.decode(cursors.encode((key, item), "products"), "products", read) == (key, item)


def test_a_cursor_given_out_for_one_list_or_sort_is_refused_by_another() -> None:
    cursor = cursors.encode((1999, UUID(int=1)), "products:price")
    assert cursors.decode(cursor, "products:price", integer) == (1999, UUID(int=1))
    for scope in ("products:-price", "products:name", "users"):
        with pytest.raises(InvalidCursor):
            cursors.decode(cursor, scope, integer)


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
    assert Email.parse(email.value) == email and len(email.value) <= 254
