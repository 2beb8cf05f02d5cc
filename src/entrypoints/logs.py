"""Logging for the server, the worker and the CLI, on stderr: one JSON object a line
(``EMPORIUM_LOG_FORMAT=text`` for readable lines in development), uvicorn's lines and
the libraries' included, each with the request id and the acting user where known.
Audit events are bare JSON lines of their own, one per event, for machines to read."""

import logging
import logging.config
from typing import Any

from pythonjsonlogger.core import RESERVED_ATTRS

from adapters.audit import audit_log
from application.shared.outbox import origin
from entrypoints.settings import Settings

# Who acts without being a user (see Origin): no user id for them.
NOT_USERS = frozenset({"operator", "system"})
# Libraries that say something at INFO on every call.
CHATTY = ("httpx", "httpcore", "aio_pika", "aiormq")

JSON_FIELDS = ("levelname", "name", "process", "request_id", "user_id", "message")
TEXT_FORMAT = "%(asctime)s %(levelname)s %(name)s [%(request_id)s] %(message)s"


class RequestContext(logging.Filter):
    """Puts the request id and the acting user's id (None outside a request, or when
    nobody signed in) on every record."""

    def filter(self, record: logging.LogRecord) -> bool:
        who = origin.get()
        record.request_id = who.request_id
        record.user_id = who.actor if who.actor not in NOT_USERS else None
        return True


def logging_config(settings: Settings) -> dict[str, Any]:
    """Everything (uvicorn, the libraries, ours) through one handler, at the configured
    level; the audit log through its own."""
    if settings.log_format == "json":
        formatter: dict[str, Any] = {
            "()": "pythonjsonlogger.orjson.OrjsonFormatter",
            "fmt": JSON_FIELDS,
            "rename_fields": {"levelname": "level", "name": "logger"},
            "reserved_attrs": [*RESERVED_ATTRS, "color_message"],  # uvicorn's, with escapes
            "timestamp": True,
        }
    else:
        formatter = {"format": TEXT_FORMAT}
    stderr = {"class": "logging.StreamHandler", "stream": "ext://sys.stderr"}
    return {
        "version": 1,
        "disable_existing_loggers": False,
        "filters": {"request": {"()": RequestContext}},
        "formatters": {"lines": formatter, "bare": {"format": "%(message)s"}},
        "handlers": {
            "lines": {**stderr, "formatter": "lines", "filters": ["request"]},
            "audit": {**stderr, "formatter": "bare"},
        },
        "root": {"handlers": ["lines"], "level": settings.log_level},
        "loggers": {
            # uvicorn's own handlers replaced by ours; its access lines are ours too
            # (emporium.access, with the route template).
            "uvicorn": {"handlers": [], "propagate": True},
            "uvicorn.error": {"handlers": [], "propagate": True},
            "uvicorn.access": {"handlers": [], "propagate": False},
            audit_log.name: {"handlers": ["audit"], "level": "INFO", "propagate": False},
            **{name: {"level": "WARNING"} for name in CHATTY},
        },
    }


def configure_logging(settings: Settings) -> None:
    logging.config.dictConfig(logging_config(settings))
