"""Webhook deliveries over HTTP (httpx), guarded against server-side request forgery:
the host is resolved at every delivery and every address it resolves to must be public
(not private, loopback, link-local, multicast or reserved) unless a network an operator
allowed holds it; the request then goes to the address that was checked (no second
lookup an attacker's DNS could answer differently), with the host's name for TLS and the
Host header. Redirects are not followed; 10 seconds at most."""

import asyncio
import ipaddress
import socket
from collections.abc import Mapping, Sequence
from datetime import UTC, datetime, timedelta
from email.utils import parsedate_to_datetime
from urllib.parse import SplitResult, urlsplit

import httpx

from application.notifications.ports import SendFailed

TIMEOUT_SECONDS = 10
# A receiver's Retry-After is honoured up to this.
MAX_RETRY_AFTER = timedelta(hours=24)

Address = ipaddress.IPv4Address | ipaddress.IPv6Address
Network = ipaddress.IPv4Network | ipaddress.IPv6Network


def is_public(address: Address) -> bool:
    if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped is not None:
        address = address.ipv4_mapped
    return address.is_global and not address.is_multicast


class HttpWebhookClient:
    def __init__(self, *, https_only: bool, allowed_networks: Sequence[str] = ()) -> None:
        self._https_only = https_only
        self._allowed: list[Network] = [
            ipaddress.ip_network(n, strict=False) for n in allowed_networks
        ]
        self._client = httpx.AsyncClient(
            follow_redirects=False, timeout=TIMEOUT_SECONDS, trust_env=False
        )

    async def post(self, url: str, headers: Mapping[str, str], body: str) -> int:
        parts, address = await self._checked(url)
        host, port = parts.hostname or "", _port(parts)
        literal = f"[{address}]" if address.version == 6 else str(address)
        pinned = parts._replace(netloc=f"{literal}:{port}").geturl()
        extensions = {"sni_hostname": host} if parts.scheme == "https" else {}
        try:
            response = await self._client.post(
                pinned,
                content=body.encode(),
                headers={**headers, "host": parts.netloc, "user-agent": "Emporium-Webhooks/1"},
                extensions=extensions,
            )
        except httpx.HTTPError as error:
            raise SendFailed(f"{type(error).__name__}: {error}") from error
        if 200 <= response.status_code < 300:
            return response.status_code
        reason = (
            f"redirect to {response.headers.get('location', '?')} not followed"
            if response.is_redirect
            else f"the endpoint answered {response.status_code}"
        )
        raise SendFailed(
            reason,
            status=response.status_code,
            retry_after=_retry_after(response.headers.get("retry-after")),
        )

    async def refusal(self, url: str) -> str | None:
        try:
            await self._checked(url)
        except _Unresolved:
            return None
        except SendFailed as refused:
            return refused.error
        return None

    async def _checked(self, url: str) -> tuple[SplitResult, Address]:
        """The URL's parts and the address to send to, once its scheme and every
        address its host resolves to are allowed."""
        parts = urlsplit(url)
        if parts.scheme != "https" and (self._https_only or parts.scheme != "http"):
            raise SendFailed(f"refused: {parts.scheme}:// (only https:// is allowed)")
        return parts, await self._checked_address(parts.hostname or "", _port(parts))

    async def _checked_address(self, host: str, port: int) -> Address:
        try:
            resolved = await asyncio.get_running_loop().getaddrinfo(
                host, port, type=socket.SOCK_STREAM
            )
        except OSError as error:
            raise _Unresolved(f"cannot resolve {host}: {error}") from error
        addresses = [ipaddress.ip_address(info[4][0]) for info in resolved]
        refused = [a for a in addresses if not (is_public(a) or self._allowed_address(a))]
        if refused or not addresses:
            raise SendFailed(
                f"refused: {host} resolves to {', '.join(map(str, refused or addresses))}, "
                "not a public address (EMPORIUM_WEBHOOK_ALLOWED_NETWORKS lists exceptions)"
            )
        return addresses[0]

    def _allowed_address(self, address: Address) -> bool:
        return any(address in network for network in self._allowed)

    async def close(self) -> None:
        await self._client.aclose()


class _Unresolved(SendFailed):
    """The host does not resolve (now)."""


def _port(parts: SplitResult) -> int:
    return parts.port or (443 if parts.scheme == "https" else 80)


def _retry_after(value: str | None) -> timedelta | None:
    """Seconds, or an HTTP date."""
    if not value:
        return None
    try:
        wait = timedelta(seconds=int(value))
    except ValueError:
        try:
            wait = parsedate_to_datetime(value) - datetime.now(UTC)
        except (TypeError, ValueError):
            return None
    return min(max(wait, timedelta()), MAX_RETRY_AFTER)
