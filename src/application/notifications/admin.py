"""What operators read of the outbox: its events, and what is still on its way."""

from application.notifications.commands import Backlog, GetBacklog, ListEvents
from application.notifications.ports import EventQuery
from application.notifications.shared import Notifications
from application.shared.outbox import OutboxEvent


class ListEventsHandler:
    def __init__(self, notifications: Notifications) -> None:
        self._n = notifications

    async def __call__(self, cmd: ListEvents) -> list[OutboxEvent]:
        cmd.actor.require_admin("read the events")
        async with self._n.read_uow() as uow:
            return list(await uow.outbox.list(EventQuery(cmd.type, cmd.since, cmd.limit)))


class GetBacklogHandler:
    def __init__(self, notifications: Notifications) -> None:
        self._n = notifications

    async def __call__(self, cmd: GetBacklog) -> Backlog:
        cmd.actor.require_admin("read the outbox")
        async with self._n.read_uow() as uow:
            waiting, oldest = await uow.outbox.undispatched()
            unfinished = await uow.deliveries.unfinished()
            endpoints = await uow.webhooks.list()
        failing = [e for e in endpoints if e.failures_in_a_row or not e.enabled]
        return Backlog(waiting, oldest, unfinished, failing)
