from dataclasses import dataclass, field

from domain.shared.events import DomainEvent


@dataclass(eq=False, slots=True, kw_only=True)
class Aggregate:
    """The base of every aggregate: it records what happened to it, and the unit of work
    that handed it out or stored it publishes those events once the change commits."""

    events: list[DomainEvent] = field(default_factory=list, repr=False)

    def record(self, event: DomainEvent) -> None:
        self.events.append(event)

    def pull_events(self) -> list[DomainEvent]:
        """The events recorded since the last pull, handed over once."""
        events, self.events = self.events, []
        return events
