"""What every list of the API answers: its page, with a ``Link`` to the next (its query
string is schemas.common's ``PageIn``; the cursors themselves are entrypoints.cursors')."""

from typing import Any

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
    """A page, and (when one follows) a ``Link`` to the next: a path and query, resolved
    against the request's own URL, so that no Host header a client sent goes into it."""
    headers = None
    if next_cursor is not None:
        following = request.url.include_query_params(cursor=next_cursor)
        headers = {"Link": f'<{following.path}?{following.query}>; rel="next"'}
    return JsonResponse({"items": items, "next_cursor": next_cursor}, headers=headers)
