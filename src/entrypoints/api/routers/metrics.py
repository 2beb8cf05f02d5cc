"""``GET /metrics`` for Prometheus: every worker process's values, and the outbox's
backlog as the database has it. Only for the networks a setting allows (loopback by
default), or a caller with the metrics token; not in the API's contract."""

import asyncio
import hmac
import ipaddress
import logging
from typing import Annotated

from fastapi import Request, Response

from application.notifications.admin import GetBacklogHandler
from application.notifications.commands import Backlog, GetBacklog
from application.shared.actor import Actor
from application.shared.ports import Clock
from domain.shared.errors import Forbidden
from entrypoints.api.dependencies import use
from entrypoints.api.routes import api_router
from entrypoints.api.security import client_address
from entrypoints.metrics import CONTENT_TYPE, exposition
from entrypoints.settings import Settings

logger = logging.getLogger("emporium.metrics")

router = api_router(tags=["operations"])

BACKLOG_TIMEOUT_SECONDS = 2.0


@router.get("/metrics", include_in_schema=False)
async def metrics(
    request: Request,
    settings: Annotated[Settings, use(lambda c: c.core.settings)],
    get_backlog: Annotated[GetBacklogHandler, use(lambda c: c.notifications.get_backlog)],
    clock: Annotated[Clock, use(lambda c: c.core.clock)],
) -> Response:
    if not _allowed(request, settings):
        raise Forbidden("Metrics are for the networks EMPORIUM_METRICS_ALLOWED_NETWORKS names")
    backlog: Backlog | None = None
    try:
        backlog = await asyncio.wait_for(
            get_backlog(GetBacklog(Actor.operator())), BACKLOG_TIMEOUT_SECONDS
        )
    except Exception:  # the database is down: the other metrics matter all the more
        logger.warning("metrics without the outbox's backlog: the database does not answer")
    return Response(exposition(backlog, clock.now()), media_type=CONTENT_TYPE)


def _allowed(request: Request, settings: Settings) -> bool:
    token = settings.metrics_token
    sent = request.headers.get("authorization", "")
    if token is not None and hmac.compare_digest(
        sent.encode(), f"Bearer {token.get_secret_value()}".encode()
    ):
        return True
    networks = settings.metrics_allowed_networks
    if "*" in networks:
        return True
    try:
        address = ipaddress.ip_address(client_address(request))
    except ValueError:
        return False
    if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped is not None:
        address = address.ipv4_mapped
    return any(address in ipaddress.ip_network(n, strict=False) for n in networks)
