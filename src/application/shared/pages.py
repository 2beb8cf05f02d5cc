"""Keyset pages: a list use case asks its repository for one item more than the page
holds; that one tells whether there is a next page."""

from collections.abc import Callable, Sequence
from typing import TypeVar

T = TypeVar("T")
P = TypeVar("P")


def split_page(
    found: Sequence[T], limit: int, position: Callable[[T], P]
) -> tuple[list[T], P | None]:
    """The page (at most ``limit`` of ``found``) and the position of its last item when
    more follow, else None."""
    if len(found) <= limit:
        return list(found), None
    return list(found[:limit]), position(found[limit - 1])
