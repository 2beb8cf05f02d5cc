"""The application as ``emporium serve`` runs it: one per worker process, its garbage
collector tuned for a long-running server once it has started. (Tests build many apps
in one process and leave the collector alone.)"""

import gc
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from fastapi import FastAPI

from entrypoints.api.app import create_app
from entrypoints.container import Container
from entrypoints.metrics import process_ended
from entrypoints.tracing import start_tracing, stop_tracing

GC_THRESHOLDS = (50_000, 20, 20)


def tune_collector() -> None:
    """What start-up built lives as long as the process: out of the collector's sight, so
    that full collections stay short. A request allocates thousands of short-lived
    objects: at the default threshold (700) the young generation was collected every few
    milliseconds, promoting requests in flight to older generations whose collections
    took 40-60 ms (the p99). Measured with benchmarks/harness.py; the reference server
    there gets the same."""
    gc.collect()
    gc.freeze()
    gc.set_threshold(*GC_THRESHOLDS)


def app_from_environment() -> FastAPI:
    """For uvicorn's ``--factory``: each worker process builds its own container, and
    starts its own tracing (when configured)."""
    container = Container()
    tracer = start_tracing(container.core.settings(), "emporium-api")
    app = create_app(container)
    started = app.router.lifespan_context

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        async with started(app):
            tune_collector()
            yield
        process_ended()
        stop_tracing(tracer)

    app.router.lifespan_context = lifespan
    return app
