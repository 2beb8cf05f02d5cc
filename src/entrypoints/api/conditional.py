"""Entity tags for conditional requests (RFC 9110, section 13): a product's ETag is its
version, so ``If-None-Match`` saves a download and ``If-Match`` a lost update."""

import re

_TAG = re.compile(r'\s*(W/)?"([^"]*)"\s*(?:,|$)')
_VERSION = re.compile(r"[0-9]{1,10}")


def etag(version: int) -> str:
    return f'"{version}"'


def _tags(header: str) -> list[tuple[bool, str]]:
    """(weak, opaque tag) of each entity tag in a list; malformed parts are skipped."""
    return [(bool(weak), tag) for weak, tag in _TAG.findall(header)]


def versions_matching(if_match: str | None) -> frozenset[int] | None:
    """The versions an ``If-Match`` accepts: ``None`` for none given or ``*`` (any), else
    those its strong tags name. A weak tag never matches (strong comparison)."""
    if if_match is None or if_match.strip() == "*":
        return None
    return frozenset(
        int(tag) for weak, tag in _tags(if_match) if not weak and _VERSION.fullmatch(tag)
    )


def is_current(if_none_match: str | None, version: int) -> bool:
    """Whether the client's copy, named by ``If-None-Match``, is the current one (weak
    comparison, so a tag weakened by a proxy still counts)."""
    if if_none_match is None:
        return False
    if if_none_match.strip() == "*":
        return True
    return any(tag == str(version) for _, tag in _tags(if_none_match))
