import asyncio
from typing import Annotated

from dependency_injector.wiring import Provide, inject
from fastapi import APIRouter, Depends, Request
from fastapi.responses import JSONResponse
from sqlalchemy.ext.asyncio import AsyncEngine

from adapters.sqlalchemy.engine import ping
from entrypoints.api.problems import problem, problem_responses
from entrypoints.container import Container

router = APIRouter(prefix="/health", tags=["operations"])

READY_TIMEOUT_SECONDS = 2.0


@router.get("/live", summary="The process runs")
async def live() -> dict[str, str]:
    return {"status": "ok"}


@router.get("/ready", summary="The database answers", responses=problem_responses(503))
@inject
async def ready(
    request: Request,
    engine: Annotated[AsyncEngine, Depends(Provide[Container.engine])],
) -> JSONResponse:
    try:
        await asyncio.wait_for(ping(engine), READY_TIMEOUT_SECONDS)
    except Exception:  # whatever the failure, the answer is "not ready"
        return problem(
            request,
            code="service_unavailable",
            title="Not ready",
            detail="The database does not answer",
            status=503,
        )
    return JSONResponse({"status": "ok"})
