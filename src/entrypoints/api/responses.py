"""JSON answers built without a response model: for the hottest reads, whose documents
are plain dicts (their schema is still declared with ``response_model``, and the
contract test holds each answer to it)."""

from typing import Any

import orjson
from starlette.responses import Response


class JsonResponse(Response):
    media_type = "application/json"

    def render(self, content: Any) -> bytes:
        # Aware UTC times as "...Z", as the response models write them.
        return orjson.dumps(content, option=orjson.OPT_UTC_Z)
