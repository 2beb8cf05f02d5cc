from typing import Any

from pydantic import BaseModel, ConfigDict


class RequestBody(BaseModel):
    """Request bodies: unknown fields are refused, so nobody can set what they must not.
    Patterns are Python regular expressions (the schema's use look-ahead)."""

    model_config = ConfigDict(extra="forbid", regex_engine="python-re")


class Problem(BaseModel):
    """The body of every error answer (``application/problem+json``)."""

    type: str
    title: str
    status: int
    detail: str
    code: str
    instance: str
    request_id: str
    errors: list[dict[str, Any]] | None = None
