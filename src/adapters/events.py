"""Where committed domain events go: for now, the audit log."""

import json
import logging
from collections.abc import Sequence
from dataclasses import fields

from domain.shared.events import DomainEvent

audit_log = logging.getLogger("emporium.events")


class LoggingEventPublisher:
    """One JSON line per event on the ``emporium.events`` logger: who registered, whose
    password, role or access changed, which order took which stock. Handlers with side
    effects (mail, webhooks) can be added behind the same port."""

    async def publish(self, events: Sequence[DomainEvent]) -> None:
        if not audit_log.isEnabledFor(logging.INFO):
            return
        for event in events:
            audit_log.info(json.dumps(_document(event), default=str))


def _document(event: DomainEvent) -> dict[str, object]:
    # Events hold plain values (ids, numbers, text), so a shallow dict of their fields
    # does, and costs a fraction of ``asdict``'s deep copy.
    return {"event": type(event).__name__} | {
        field.name: getattr(event, field.name) for field in fields(event)
    }
