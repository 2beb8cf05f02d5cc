from pydantic import BaseModel, ConfigDict


class RequestBody(BaseModel):
    """Request bodies: unknown fields are refused, so nobody can set what they must not."""

    model_config = ConfigDict(extra="forbid")
