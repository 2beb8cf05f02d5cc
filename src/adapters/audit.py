"""The audit log: a reader of the outbox, one JSON line per event on the
``emporium.events`` logger, written as the relay dispatches it. It answers "who changed
this price, and when": each line has the event's time, type, actor, request id and
payload. Failed sign-ins and throttled requests, which change nothing and so are no
events, are lines of their own (``security.*``), written as they happen."""

import json
import logging
from collections.abc import Sequence
from datetime import UTC, datetime

from application.shared.outbox import OutboxEvent

audit_log = logging.getLogger("emporium.events")


class LoggingAuditTrail:
    def record(self, events: Sequence[OutboxEvent]) -> None:
        if not audit_log.isEnabledFor(logging.INFO):
            return
        for event in events:
            audit_log.info(
                '{"id": %s, "occurred_at": %s, "type": %s, "subject_id": %s, "actor": %s, '
                '"request_id": %s, "data": %s}',
                json.dumps(str(event.id)),
                json.dumps(event.occurred_at.isoformat()),
                json.dumps(event.type),
                json.dumps(str(event.subject_id)),
                json.dumps(event.actor),
                json.dumps(event.request_id),
                event.data,  # JSON already
            )


def log_security(kind: str, request_id: str, client: str, **data: str) -> None:
    """``security.sign_in_failed`` (with the email tried, never the password) or
    ``security.rate_limited`` (with the policy and path)."""
    if audit_log.isEnabledFor(logging.INFO):
        line = {
            "occurred_at": datetime.now(UTC).isoformat(),
            "type": f"security.{kind}",
            "request_id": request_id,
            "client": client,
            "data": data,
        }
        audit_log.info("%s", json.dumps(line))
