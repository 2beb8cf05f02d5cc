"""Logging for the server and the CLI: uvicorn's lines, ours, and the audit events, on
stderr. Audit events are bare JSON lines, one per event, for machines to read."""

import copy
import logging.config
from typing import Any

from adapters.audit import audit_log


def logging_config(base: dict[str, Any] | None = None) -> dict[str, Any]:
    """``base`` (uvicorn's config, for the server) plus the emporium loggers."""
    config: dict[str, Any] = copy.deepcopy(base) if base else {"version": 1}
    config["disable_existing_loggers"] = False
    config.setdefault("formatters", {})
    config.setdefault("handlers", {})
    config.setdefault("loggers", {})
    config["formatters"]["emporium"] = {"format": "%(levelname)s %(name)s: %(message)s"}
    config["formatters"]["json_lines"] = {"format": "%(message)s"}
    for name, formatter in (("emporium", "emporium"), ("audit", "json_lines")):
        config["handlers"][name] = {
            "class": "logging.StreamHandler",
            "formatter": formatter,
            "stream": "ext://sys.stderr",
        }
    config["loggers"]["emporium"] = {"handlers": ["emporium"], "level": "INFO", "propagate": False}
    config["loggers"][audit_log.name] = {"handlers": ["audit"], "level": "INFO", "propagate": False}
    return config


def configure_cli_logging() -> None:
    logging.config.dictConfig(logging_config())
