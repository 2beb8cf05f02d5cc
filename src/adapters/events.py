"""Where committed domain events go: for now, the audit log."""

import json
import logging
from collections.abc import Sequence
from dataclasses import asdict

from domain.shared.events import DomainEvent

audit_log = logging.getLogger("emporium.events")


class LoggingEventPublisher:
    """One JSON line per event on the ``emporium.events`` logger: who registered, whose
    password, role or access changed. Handlers with side effects (mail, webhooks) can
    be added behind the same port."""

    async def publish(self, events: Sequence[DomainEvent]) -> None:
        for event in events:
            audit_log.info(
                json.dumps({"event": type(event).__name__, **asdict(event)}, default=str)
            )
