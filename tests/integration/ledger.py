"""What a product's ledger must read as, whatever the concurrency that wrote it."""

from collections.abc import Sequence

from domain.catalog import StockMovement


def assert_chain(ledger: Sequence[StockMovement]) -> None:
    """Newest first, numbered down to 1 without a gap, each movement's ``stock_after -
    delta`` the next (older) one's ``stock_after``, and the oldest starting from 0."""
    assert [m.sequence for m in ledger] == list(range(len(ledger), 0, -1))
    befores = [m.stock_after - m.delta for m in ledger]
    assert befores == [m.stock_after for m in ledger[1:]] + [0]
