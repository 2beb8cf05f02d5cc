"""The audit log: one JSON line per committed event, on the ``emporium.events`` logger."""

import json
import logging
from uuid import uuid4

from adapters.events import LoggingEventPublisher, audit_log
from domain.catalog.events import StockAdjusted
from domain.orders.events import OrderPlaced


async def test_every_event_is_one_json_line_naming_it_with_its_fields(caplog):
    order_id, customer_id, product_id = uuid4(), uuid4(), uuid4()
    events = [
        OrderPlaced(order_id, customer_id, "12.50 USD"),
        StockAdjusted(product_id, -2, 5, "order_reservation"),
    ]
    with caplog.at_level(logging.INFO, logger=audit_log.name):
        await LoggingEventPublisher().publish(events)

    assert [json.loads(record.getMessage()) for record in caplog.records] == [
        {
            "event": "OrderPlaced",
            "order_id": str(order_id),
            "customer_id": str(customer_id),
            "total": "12.50 USD",
        },
        {
            "event": "StockAdjusted",
            "product_id": str(product_id),
            "delta": -2,
            "stock_after": 5,
            "kind": "order_reservation",
        },
    ]


async def test_nothing_is_written_when_the_audit_log_is_turned_down(caplog):
    with caplog.at_level(logging.WARNING, logger=audit_log.name):
        await LoggingEventPublisher().publish([OrderPlaced(uuid4(), uuid4(), "1.00 USD")])
    assert caplog.records == []
