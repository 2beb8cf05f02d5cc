"""The API's rate limits: a quota per kind of request (registration, refresh, anonymous
catalog reads per client address; placing and paying orders per user), counted by the
container's rate limiter, in memory or in Redis. Over a quota: 429 ``rate_limited``."""

from typing import Any

from fastapi import Depends, Request

from application.shared.actor import Actor
from application.shared.ports import Quota, RateLimiter
from domain.shared.errors import RateLimited
from entrypoints.api.security import BearerToken, client_address, current_actor, optional_actor
from entrypoints.settings import RATE_LIMITED, Settings


class Limits:
    def __init__(self, limiter: RateLimiter, settings: Settings) -> None:
        self._limiter = limiter
        self._quotas: dict[str, Quota | None] = {}
        for name in RATE_LIMITED:
            quota = settings.quota(name)
            self._quotas[name] = Quota(name, *quota) if quota else None

    async def check(self, name: str, key: str) -> None:
        quota = self._quotas[name]
        if quota is None:
            return
        if wait := await self._limiter.hit(quota, key):
            raise RateLimited(
                wait,
                f"Too many requests; retry in {wait} seconds",
                policy=(quota.name, quota.limit, quota.window),
            )


def _limits(request: Request) -> Limits:
    limits: Limits = request.app.state.limits
    return limits


async def check_client(request: Request, name: str) -> None:
    await _limits(request).check(name, client_address(request))


def per_client(name: str) -> Any:
    """A route's dependency: ``name``'s quota, counted per client address."""

    async def dependency(request: Request) -> None:
        await check_client(request, name)

    return Depends(dependency)


def per_user(name: str) -> Any:
    """The signed-in caller's ``Actor``, counted against ``name``'s quota per user:
    ``actor: Annotated[Actor, per_user("orders")]``. (The caller and its count are one
    dependency on the token: FastAPI's cost grows with each dependency a route declares,
    nested ones included.)"""

    async def dependency(request: Request, token: BearerToken) -> Actor:
        actor = await current_actor(request, token)
        await _limits(request).check(name, str(actor.user_id))
        return actor

    return Depends(dependency)


def per_anonymous_client(name: str) -> Any:
    """The caller's ``Actor``, counted against ``name``'s quota per client address when
    not signed in (signed-in callers are known and accountable)."""

    async def dependency(request: Request, token: BearerToken) -> Actor:
        actor = await optional_actor(request, token)
        if actor.user_id is None:
            await check_client(request, name)
        return actor

    return Depends(dependency)
