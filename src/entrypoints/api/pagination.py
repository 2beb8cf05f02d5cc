"""What every list of the API answers: its page, with a ``Link`` to the next (its query
string is schemas.common's ``PageIn``; the cursors themselves are entrypoints.cursors')."""

from typing import Any
from urllib.parse import urlencode

from fastapi import Request

from entrypoints.api.responses import JsonResponse

# What a list's 200 declares besides its body: the next page as a link (RFC 8288).
NEXT_LINK: dict[int | str, dict[str, Any]] = {
    200: {
        "headers": {
            "Link": {
                "description": '`<…>; rel="next"`: the next page (this request with its '
                "`cursor` set to `next_cursor`), when there is one",
                "schema": {"type": "string"},
            }
        }
    }
}


def page_response(request: Request, items: list[Any], next_cursor: str | None) -> JsonResponse:
    """A page, and (when one follows) a ``Link`` to the next: this request's path and
    query with its ``cursor`` set, resolved against the request's own URL, so that no Host
    header a client sent goes into it. (Built from the parsed query, not through
    Starlette's ``URL``, which parses and builds the whole URL again: 54 µs against 11.)"""
    headers = None
    if next_cursor is not None:
        query = [(k, v) for k, v in request.query_params.multi_items() if k != "cursor"]
        query.append(("cursor", next_cursor))
        headers = {"Link": f'<{request.scope["path"]}?{urlencode(query)}>; rel="next"'}
    return JsonResponse({"items": items, "next_cursor": next_cursor}, headers=headers)
