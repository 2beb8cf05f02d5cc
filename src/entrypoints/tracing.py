"""Tracing with OpenTelemetry, off unless ``EMPORIUM_TRACING_ENDPOINT`` names an OTLP/HTTP
collector: a span for each request (named by its route template), each database
statement, each webhook sent and each email, exported in batches.

The statements are traced at the drivers (asyncpg, sqlite3): they are sent straight to
them, past SQLAlchemy's execution events, so SQLAlchemy's instrumentation would see
none. Each process starts its own tracing after the fork (``emporium serve``'s workers
when they build their app, ``emporium worker`` when it starts): the exporter's thread
and connections would not survive one."""

import os

from opentelemetry import trace
from opentelemetry.sdk.trace import TracerProvider

from entrypoints.settings import Settings


def start_tracing(settings: Settings, service: str) -> TracerProvider | None:
    """This process's tracer provider, exporting to the configured collector; None (and
    nothing imported or patched) when tracing is off."""
    if settings.tracing_endpoint is None:
        return None
    from opentelemetry.exporter.otlp.proto.http.trace_exporter import OTLPSpanExporter
    from opentelemetry.instrumentation.asyncpg import AsyncPGInstrumentor
    from opentelemetry.instrumentation.httpx import HTTPXClientInstrumentor
    from opentelemetry.instrumentation.sqlite3 import SQLite3Instrumentor
    from opentelemetry.sdk.resources import Resource
    from opentelemetry.sdk.trace.export import BatchSpanProcessor

    resource = Resource.create({"service.name": service, "process.pid": os.getpid()})
    provider = TracerProvider(resource=resource)
    endpoint = settings.tracing_endpoint.rstrip("/") + "/v1/traces"
    provider.add_span_processor(BatchSpanProcessor(OTLPSpanExporter(endpoint=endpoint)))
    trace.set_tracer_provider(provider)
    drivers = AsyncPGInstrumentor()  # type: ignore[no-untyped-call]
    for instrumentor in (drivers, SQLite3Instrumentor(), HTTPXClientInstrumentor()):
        instrumentor.instrument(tracer_provider=provider)
    return provider


def stop_tracing(provider: TracerProvider | None) -> None:
    """Sends what is left to send."""
    if provider is not None:
        provider.shutdown()
