import asyncio
from collections.abc import Awaitable, Callable
from typing import Annotated, Any

from fastapi import Request
from fastapi.responses import JSONResponse
from redis.asyncio import Redis

from adapters.sqlalchemy.connections import Connections
from application.notifications.ports import Broker
from entrypoints.api.dependencies import use
from entrypoints.api.problems import problem
from entrypoints.api.routes import api_router
from entrypoints.settings import Settings

router = api_router("/health", tags=["operations"])

READY_TIMEOUT_SECONDS = 2.0


async def _check(probe: Callable[[], Awaitable[Any]]) -> str:
    try:
        await asyncio.wait_for(probe(), READY_TIMEOUT_SECONDS)
    except Exception:  # whatever the failure, the answer is "down"
        return "down"
    return "ok"


@router.get(
    "/ready",
    summary="Every dependency of this process answers (the database; Redis and the broker "
    "when configured)",
    description="`payments` names the payment gateway that serves (`fake`: no real money).",
    responses={503: {"description": "Service Unavailable: service_unavailable"}},
)
async def ready(
    request: Request,
    database: Annotated[Connections, use(lambda c: c.core.read_connections)],
    redis: Annotated[Redis | None, use(lambda c: c.core.redis)],
    broker: Annotated[Broker | None, use(lambda c: c.notifications.broker)],
    settings: Annotated[Settings, use(lambda c: c.core.settings)],
) -> JSONResponse:
    probes: dict[str, Callable[[], Awaitable[Any]]] = {"database": database.ping}
    if redis is not None:
        probes["redis"] = redis.ping
    if broker is not None:
        probes["broker"] = broker.ping
    names = list(probes)
    results = await asyncio.gather(*(_check(probes[name]) for name in names))
    checks = dict(zip(names, results, strict=True))
    down = [name for name, state in checks.items() if state != "ok"]
    if down:
        return problem(
            request,
            code="service_unavailable",
            title="Not ready",
            detail=f"Not answering: {', '.join(down)}",
            status=503,
            headers={"Retry-After": "5"},
            checks=checks,
            payments=settings.payment_gateway,
        )
    return JSONResponse({"status": "ok", "checks": checks, "payments": settings.payment_gateway})
