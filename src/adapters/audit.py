"""The audit log: a reader of the outbox, one JSON line per event on the
``emporium.events`` logger, written as the relay dispatches it. It answers "who changed
this price, and when": each line has the event's time, type, actor, request id and
payload."""

import json
import logging
from collections.abc import Sequence

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
