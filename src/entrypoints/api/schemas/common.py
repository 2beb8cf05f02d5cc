from pydantic import BaseModel, BeforeValidator, ConfigDict

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
