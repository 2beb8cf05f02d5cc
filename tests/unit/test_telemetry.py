"""What the logs and the metrics make of what happens, in one process."""

import json
import logging
from datetime import UTC, datetime
from uuid import uuid4

import pytest
from pydantic import SecretStr

from application.shared.outbox import Origin, OutboxEvent, origin
from entrypoints.logs import configure_logging
from entrypoints.metrics import ORDERS, PAYMENTS_DECLINED, CountingTrail
from entrypoints.settings import Settings


def _settings(**values: object) -> Settings:
    return Settings(secret_key=SecretStr("k" * 32), _env_file=None, **values)  # type: ignore[call-arg]


def test_a_line_is_a_json_object_with_the_request_and_the_user(
    capsys: pytest.CaptureFixture[str],
) -> None:
    configure_logging(_settings())
    user = str(uuid4())
    token = origin.set(Origin(request_id="req-1", actor=user))
    try:
        logging.getLogger("emporium.api").warning("the gateway is slow: %d ms", 900)
        try:
            raise RuntimeError("boom")
        except RuntimeError:
            logging.getLogger("emporium.api").exception("unhandled")
    finally:
        origin.reset(token)
    logging.getLogger("emporium.api").info("outside any request")
    operator = origin.set(Origin(actor="operator"))
    logging.getLogger("emporium.cli").info("by the CLI")
    origin.reset(operator)

    slow, failed, outside, cli = (json.loads(line) for line in capsys.readouterr().err.splitlines())
    assert slow["message"] == "the gateway is slow: 900 ms" and slow["level"] == "WARNING"
    assert slow["logger"] == "emporium.api" and slow["request_id"] == "req-1"
    assert slow["user_id"] == user and isinstance(slow["process"], int)
    assert datetime.fromisoformat(slow["timestamp"]).tzinfo is not None
    assert failed["level"] == "ERROR" and "RuntimeError: boom" in failed["exc_info"]
    assert outside["request_id"] is None and outside["user_id"] is None
    assert cli["user_id"] is None  # the operator is no user


def test_text_lines_and_the_level_are_settings(capsys: pytest.CaptureFixture[str]) -> None:
    configure_logging(_settings(log_format="text", log_level="WARNING"))
    logging.getLogger("emporium.api").info("not shown")
    logging.getLogger("emporium.api").warning("shown")
    (line,) = capsys.readouterr().err.splitlines()
    assert line.endswith("WARNING emporium.api [None] shown")


def _event(type: str, **data: object) -> OutboxEvent:
    return OutboxEvent(uuid4(), type, uuid4(), 1, datetime.now(UTC), json.dumps(data))


def test_orders_are_counted_by_their_events() -> None:
    def counted(event: str) -> float:
        return ORDERS.labels(event)._value.get()

    before = {event: counted(event) for event in ("placed", "cancelled", "expired")}
    declined = PAYMENTS_DECLINED._value.get()
    CountingTrail().record(
        [
            _event("order.placed"),
            _event("order.cancelled", cancellation_reason="customer"),
            _event("order.cancelled", cancellation_reason="payment_timeout"),
            _event("order.payment_declined"),
            _event("product.updated"),
        ]
    )
    assert {event: counted(event) - before[event] for event in before} == {
        "placed": 1,
        "cancelled": 1,
        "expired": 1,
    }
    assert PAYMENTS_DECLINED._value.get() - declined == 1
