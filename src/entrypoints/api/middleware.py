"""The edge: what every HTTP request passes before routing, in one pure ASGI layer.

Each ASGI layer costs a call and a wrapped ``send`` on every request, so the six things
done here share one: the request id, the liveness probe, ``HEAD`` answered as ``GET``,
the body size limit, the last word on an error nobody foresaw, and the request counted
(the metrics, the access log's line and the request's span when they are on)."""

import logging
import re
import secrets
import time
from collections.abc import Callable, Mapping
from typing import Any

from opentelemetry import trace
from starlette.exceptions import HTTPException
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from application.shared.outbox import Origin, origin
from entrypoints.api import liveness
from entrypoints.api.problems import problem_response
from entrypoints.metrics import UNMATCHED, count_request

logger = logging.getLogger("emporium.api")
access_log = logging.getLogger("emporium.access")

_SANE_REQUEST_ID = re.compile(r"^[A-Za-z0-9._:-]{1,128}$")


def _header(scope: Scope, name: bytes) -> bytes | None:
    """One request header (names arrive lower-cased); no dict built per request."""
    for key, value in scope["headers"]:
        if key == name:
            return bytes(value)
    return None


class EdgeMiddleware:
    def __init__(
        self,
        app: ASGIApp,
        *,
        max_body_bytes: int,
        templates: Mapping[Callable[..., Any], str],
        access_log: bool = False,
        traced: bool = False,
    ) -> None:
        self.app = app
        self.max_body_bytes = max_body_bytes
        self.templates, self.access_log, self.traced = templates, access_log, traced

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        # A sane client ``X-Request-ID`` is echoed, else one is made; every answer has it.
        sent = (_header(scope, b"x-request-id") or b"").decode("latin-1")
        request_id = sent if _SANE_REQUEST_ID.match(sent) else secrets.token_hex(16)
        scope.setdefault("state", {})["request_id"] = request_id
        origin.set(Origin(request_id=request_id))  # for the outbox's audit trail
        id_header = (b"x-request-id", request_id.encode())
        # HEAD is answered as GET without the body (the headers, Content-Length included,
        # are the GET's): FastAPI's routes answer only the methods they declare.
        head = scope["method"] == "HEAD"
        routed = {**scope, "method": "GET"} if head else scope
        began, status = time.perf_counter(), 0

        async def edge_send(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
                message["headers"] = [*message.get("headers", []), id_header]
                if self.traced:  # named now: the request's span ends with the answer
                    template, span = self._template(scope, routed), trace.get_current_span()
                    span.update_name(f"{scope['method']} {template}")
                    span.set_attribute("http.route", template)
            elif head and message["type"] == "http.response.body":
                message = {**message, "body": b""}
            await send(message)

        try:
            if scope["path"] == liveness.PATH:
                await liveness.answer(scope, receive, edge_send)
            elif self._declares_too_large_a_body(scope):
                await self._refuse_body(scope, receive, edge_send)
            else:
                await self.app(routed, self._limited(scope, receive), edge_send)
        except Exception:
            logger.exception("unhandled error (request_id=%s)", request_id)
            if status:  # half an answer is out: nothing sane is left to send
                raise
            # A 500 problem without internals, and the connection kept.
            response = problem_response(
                scope,
                status=500,
                code="internal_error",
                title="Internal server error",
                detail=f"Something went wrong on our side; quote request id {request_id}",
            )
            await response(scope, receive, edge_send)
        finally:
            self._count(scope, routed, status, time.perf_counter() - began)

    def _template(self, scope: Scope, routed: Scope) -> str:
        """The request's route template (``/api/v1/products/{product_id}``), once routed:
        what its metrics, its access line and its span are labelled by, never its path."""
        if scope["path"] == liveness.PATH:
            return liveness.PATH
        if "endpoint" in routed:
            return self.templates.get(routed["endpoint"], UNMATCHED)
        return UNMATCHED

    def _count(self, scope: Scope, routed: Scope, status: int, seconds: float) -> None:
        template, method = self._template(scope, routed), scope["method"]
        count_request(method, template, status, seconds)
        if self.access_log:
            access_log.info(
                "%s %s %d %.1f ms",
                method,
                scope["path"],
                status,
                seconds * 1000,
                extra={
                    "method": method,
                    "path": scope["path"],
                    "route": template,
                    "status": status,
                    "duration_ms": round(seconds * 1000, 3),
                    "client": (scope.get("client") or ("unknown",))[0],
                },
            )

    def _declares_too_large_a_body(self, scope: Scope) -> bool:
        declared = _header(scope, b"content-length")
        return declared is not None and declared.isdigit() and int(declared) > self.max_body_bytes

    def _limited(self, scope: Scope, receive: Receive) -> Receive:
        """``receive``, refusing a streamed body with 413 as soon as it passes the limit."""
        if _header(scope, b"content-length") is None and not _header(scope, b"transfer-encoding"):
            return receive  # no body to count
        received = 0

        async def limited_receive() -> Message:
            nonlocal received
            message = await receive()
            if message["type"] == "http.request":
                received += len(message.get("body", b""))
                if received > self.max_body_bytes:
                    # An HTTPException passes through FastAPI's body parsing untouched
                    # and is answered by the problem handlers.
                    raise HTTPException(413, self._too_large)
            return message

        return limited_receive

    @property
    def _too_large(self) -> str:
        return f"The request body is larger than {self.max_body_bytes} bytes"

    async def _refuse_body(self, scope: Scope, receive: Receive, send: Send) -> None:
        response = problem_response(
            scope,
            status=413,
            code="payload_too_large",
            title="Payload too large",
            detail=self._too_large,
        )
        response.headers["Connection"] = "close"
        await response(scope, receive, send)
