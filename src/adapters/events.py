"""Where committed domain events go: for now, the audit log."""

import logging
from collections.abc import Sequence
from dataclasses import fields

import orjson

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
            audit_log.info(orjson.dumps(_document(event), default=str).decode())


def _document(event: DomainEvent) -> dict[str, object]:
    # orjson writes the ids, times, enums and nested dataclasses of the fields itself.
    return {"event": type(event).__name__} | {
        field.name: getattr(event, field.name) for field in fields(event)
    }
