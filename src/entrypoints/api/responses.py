"""JSON answers built without a response model: for the hottest reads, whose documents
are plain dicts (their schema is still declared with ``response_model``, and the
contract test holds each answer to it)."""

from typing import Any

from starlette.responses import Response

from entrypoints.documents import to_json


class JsonResponse(Response):
    media_type = "application/json"

    def render(self, content: Any) -> bytes:
        return to_json(content)


# What a 201 declares besides its body: where the new resource is.
LOCATION = {
    "Location": {
        "description": "The new resource's path, e.g. `/api/v1/orders/{id}`",
        "schema": {"type": "string"},
    }
}
