"""The FastAPI application factory."""

import logging
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from importlib.metadata import version
from typing import Any

from fastapi import APIRouter, FastAPI
from fastapi.middleware.asyncexitstack import AsyncExitStackMiddleware
from fastapi.middleware.cors import CORSMiddleware
from starlette.middleware.exceptions import ExceptionMiddleware
from starlette.routing import Route
from starlette.types import ASGIApp

from domain.shared.money import Currency
from entrypoints.api import liveness
from entrypoints.api.limits import Limits
from entrypoints.api.middleware import EdgeMiddleware
from entrypoints.api.openapi import install_openapi
from entrypoints.api.problems import install_problem_handlers, problem_codes
from entrypoints.api.routers import (
    auth,
    docs,
    health,
    metrics,
    orders,
    products,
    users,
    webhooks,
)
from entrypoints.api.routes import operation_id
from entrypoints.container import Container, running
from entrypoints.upkeep import running_upkeep
from entrypoints.worker import running_worker

logger = logging.getLogger("emporium.api")

MAX_BODY_BYTES = 1024 * 1024
# Their routes are tried in this order (after the fast catalog read): the hottest reads
# (the catalog, the signed-in user) and the readiness probe first.
ROUTERS: tuple[APIRouter, ...] = (
    health.router,
    products.router,
    users.router,
    orders.router,
    products.admin_router,
    auth.router,
    users.admin_router,
    webhooks.admin_router,
    metrics.router,
    docs.router,
)
# The docs pages' sections, in this order.
TAGS = [
    {
        "name": "auth",
        "description": "Register, sign in (the OAuth2 password flow: the username is the "
        "email), refresh the access token, sign out.",
    },
    {"name": "users", "description": "Your own account; admins manage everyone's."},
    {
        "name": "products",
        "description": "The catalog: anyone browses and searches it, signed in or not; "
        "admins add, change, archive products and adjust their stock.",
    },
    {
        "name": "orders",
        "description": "Customers place, pay for and cancel their orders; admins see them "
        "all, ship and deliver them.",
    },
    {
        "name": "webhooks",
        "description": "Admins register the endpoints that receive the shop's events, "
        "signed as Standard Webhooks prescribes.",
    },
    {"name": "operations", "description": "Health probes, for load balancers and orchestrators."},
]


def create_app(container: Container) -> FastAPI:
    @asynccontextmanager
    async def lifespan(_: FastAPI) -> AsyncIterator[None]:
        settings = container.core.settings()
        if settings.env == "production" and settings.payment_gateway == "fake":
            logger.warning(
                "the fake payment gateway serves production (EMPORIUM_PAYMENT_GATEWAY=fake): "
                "no real money is taken"
            )
        upkeep, events = container.orders.upkeep(), container.notifications
        async with (
            running(container),
            running_upkeep(upkeep, settings.order_sweep_interval),
            running_worker(
                events.relay_events(),
                events.deliver_due(),
                settings.worker_poll_interval,
                enabled=settings.worker_in_process,
            ),
        ):
            container.users.hasher()  # its start-up hash is paid here, not by a request
            yield

    app = FastAPI(
        title="Emporium",
        version=version("emporium"),
        description="E-commerce backend: accounts, catalog and orders.",
        lifespan=lifespan,
        docs_url=None,  # see routers.docs
        redoc_url=None,
        openapi_tags=TAGS,
        servers=[{"url": "/", "description": "this server"}],
        generate_unique_id_function=operation_id,  # the webhooks' (the routers set theirs)
        # FastAPI's OpenTelemetry bridge asks on every request whether a provider is
        # configured; none is, so it is off and asks nothing.
        telemetry={"tracing": False, "metrics": False, "logs": False},
    )
    app.state.container = container
    app.state.limits = Limits(container.core.limiter(), container.core.settings())
    # The routers' routes themselves, not the routers (see entrypoints.api.routes).
    app.router.routes.append(products.AnonymousProductRead())
    for router in ROUTERS:
        app.router.routes.extend(router.routes)
    docs.mount_assets(app)
    webhooks.declare_deliveries(app.webhooks)
    install_problem_handlers(app)
    install_openapi(
        app,
        extra_paths={liveness.PATH: {"get": liveness.OPERATION}},
        store_currency=Currency(container.core.settings().store_currency),
        codes=problem_codes(),
    )

    origins = container.core.settings().cors_origins
    if origins:
        app.add_middleware(
            CORSMiddleware,
            allow_origins=origins,
            allow_methods=["*"],
            allow_headers=["*"],
            expose_headers=[
                "X-Request-ID",
                "Retry-After",
                "Location",
                "ETag",
                "Idempotent-Replayed",
            ],
        )
    app.middleware_stack = _middleware_stack(app)
    return app


def _middleware_stack(app: FastAPI) -> ASGIApp:
    """Starlette's stack less what the edge does itself: the edge answers unexpected
    errors (Starlette's ``ServerErrorMiddleware`` would re-raise them, logging each twice
    and dropping the connection) and limits bodies; no telemetry is set up. Every layer
    dropped is a call and a wrapped ``send`` less on every request."""
    handlers = {
        kind: handler
        for kind, handler in app.exception_handlers.items()
        if kind not in (500, Exception)
    }
    stack: ASGIApp = AsyncExitStackMiddleware(app.router)  # closes uploaded files
    stack = ExceptionMiddleware(stack, handlers=handlers, debug=app.debug)
    for middleware in reversed(app.user_middleware):
        stack = middleware.cls(stack, *middleware.args, **middleware.kwargs)
    settings = app.state.container.core.settings()
    traced = settings.tracing_endpoint is not None
    edge = EdgeMiddleware(
        stack,
        max_body_bytes=MAX_BODY_BYTES,
        templates=_route_templates(app),
        access_log=settings.access_log,
        traced=traced,
    )
    if not traced:
        return edge
    from opentelemetry.instrumentation.asgi import OpenTelemetryMiddleware

    # Outermost: a request's span holds everything done for it (the edge names it).
    return OpenTelemetryMiddleware(edge)


def _route_templates(app: FastAPI) -> dict[Callable[..., Any], str]:
    """Each endpoint's path template, for the metrics' and the access log's labels: a
    request is counted by the endpoint it reached (the fast catalog read has its declared
    route's template)."""
    return {route.endpoint: route.path_format for route in app.routes if isinstance(route, Route)}
