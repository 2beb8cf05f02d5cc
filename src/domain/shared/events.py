from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class DomainEvent:
    """Something that happened to an aggregate. The aggregate records it; the unit of work
    publishes it once the change is committed, and never if it is not."""
