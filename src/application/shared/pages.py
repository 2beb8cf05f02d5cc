"""Keyset pages: a list use case asks its repository for one item more than the page
holds; that one tells whether there is a next page."""

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Generic, TypeVar

T = TypeVar("T")
P = TypeVar("P")


@dataclass(frozen=True, slots=True)
class Page(Generic[T, P]):
    """Items, and the position of the last one (its sort key and id) when more follow."""

    items: list[T]
    next_after: P | None


def split_page(found: Sequence[T], limit: int, position: Callable[[T], P]) -> Page[T, P]:
    """The page: at most ``limit`` of ``found``, with the position of its last item when
    more follow."""
    if len(found) <= limit:
        return Page(list(found), None)
    return Page(list(found[:limit]), position(found[limit - 1]))
