"""How the API's routes are declared: on routers that hold their full paths, whose routes
the app takes as they are (``create_app``). ``include_router`` would wrap each router in
FastAPI's include context, which matches every route of it twice on every request and
saves and restores scope keys around each try: a declared route cost more CPU to reach
than a whole catalog read (see docs/benchmarks.md)."""

from typing import Any

from fastapi import APIRouter
from fastapi.routing import APIRoute

API_PREFIX = "/api/v1"


def operation_id(route: APIRoute) -> str:
    """Operation ids a person would write: place_order, not place_order_api_v1_orders_post."""
    return route.name


def api_router(prefix: str = "", **options: Any) -> APIRouter:
    """A router whose routes are under ``prefix``, with readable operation ids."""
    return APIRouter(prefix=prefix, generate_unique_id_function=operation_id, **options)
