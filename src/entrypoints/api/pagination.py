"""What every list of the API shares: its ``limit`` and ``cursor`` parameters (the
cursors themselves are entrypoints.cursors'), and its page answered with a ``Link`` to
the next."""

from typing import Annotated, Any

from fastapi import Query, Request

from entrypoints.api.responses import JsonResponse

# The parameters every list takes.
CURSOR_MAX_LENGTH = 4096  # room for a sort key of 200 letters, each up to 4 bytes
Limit = Annotated[int, Query(ge=1, le=100)]
Cursor = Annotated[str | None, Query(max_length=CURSOR_MAX_LENGTH)]


def search(description: str) -> Any:
    """A list's ``q``: up to 200 characters, none of them control characters."""
    return Query(max_length=200, pattern=r"^[^\x00-\x1f\x7f]*$", description=description)


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
