from typing import Annotated, Any

from pydantic import BaseModel, BeforeValidator, ConfigDict, Field

from domain.shared.text import BIDI_CLASS, CONTROL_CLASS, INVISIBLE_CLASS

# A name people will read: at least one visible character; no control or bidi-override
# characters.
VISIBLE_TEXT_PATTERN = (
    rf"^(?=.*[^\s{CONTROL_CLASS}{INVISIBLE_CLASS}])[^{CONTROL_CLASS}{BIDI_CLASS}]+$"
)


def _json_integer(value: object) -> object:
    if isinstance(value, bool | str):
        raise ValueError("Input should be a JSON integer, not a string or a boolean")
    return value


# An integer as JSON Schema has it: 5 or 5.0, never 5.5, "5" or true. (Put it after the
# field's bounds, so that the schema states them as ``minimum`` and ``maximum``.)
JSON_INTEGER = BeforeValidator(_json_integer)


class RequestBody(BaseModel):
    """Request bodies: unknown fields are refused, so nobody can set what they must not.
    Patterns are Python regular expressions (the schema's use look-ahead)."""

    model_config = ConfigDict(extra="forbid", regex_engine="python-re")


class ValidationIssue(BaseModel):
    """One reason a 422 ``validation_error`` gives: where (``["body", "lines", 0,
    "quantity"]``), what, and of which kind."""

    loc: list[str | int]
    msg: str
    type: str


class Problem(BaseModel):
    """The body of every error answer (``application/problem+json``)."""

    type: str
    title: str
    status: int
    detail: str
    code: str
    instance: str
    request_id: str
    errors: list[ValidationIssue] | None = None


CURSOR_MAX_LENGTH = 4096  # room for a sort key of 200 letters, each up to 4 bytes


class PageIn(BaseModel):
    """A list's query string (see entrypoints.api.query): how many items, after which
    (the ``next_cursor`` of the page before). Each list adds its filters."""

    limit: Annotated[int, Field(ge=1, le=100)] = 20
    cursor: Annotated[str | None, Field(max_length=CURSOR_MAX_LENGTH)] = None


def search(description: str) -> Any:
    """A list's ``q``: up to 200 characters, none of them control characters."""
    return Field(max_length=200, pattern=r"^[^\x00-\x1f\x7f]*$", description=description)
