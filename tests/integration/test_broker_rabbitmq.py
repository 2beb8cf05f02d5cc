"""The shop's event stream on a real RabbitMQ: each event on the emporium.events topic
exchange, persistent, confirmed, its message id the event id; an outage (a relay in
front of the broker switched off) fails attempts, and every event arrives once the
broker is back, exactly once per event id."""

import json
from collections.abc import AsyncIterator
from datetime import UTC, datetime
from urllib.parse import urlsplit

import aio_pika
import pytest
from aio_pika.abc import AbstractQueue

from adapters.broker import RabbitBroker
from adapters.system import Uuid7Generator
from adapters.webhooks import HttpWebhookClient
from application.notifications.deliveries import DeliverDueHandler
from application.notifications.ports import SendFailed
from application.notifications.relay import RelayEventsHandler
from application.notifications.shared import Notifications
from application.shared.outbox import OutboxEvent
from entrypoints.events import EVENT_TYPES
from tests.fakes import FakeClock, Receiver
from tests.integration.test_notifications_contract import Audit, outbox, registered
from tests.peers import Relay, broker_queue, drain

pytestmark = pytest.mark.rabbitmq


def event(type_: str = "order.paid") -> OutboxEvent:
    ids = Uuid7Generator()
    return OutboxEvent(
        id=ids.new_id(),
        type=type_,
        subject_id=ids.new_id(),
        subject_version=2,
        occurred_at=datetime(2026, 12, 2, 7, 30, tzinfo=UTC),
        data='{"id": "x", "status": "paid"}',
    )


@pytest.fixture
async def queue(rabbitmq_url: str) -> AsyncIterator[AbstractQueue]:
    async with broker_queue(rabbitmq_url) as bound:
        yield bound


@pytest.fixture
async def relay(rabbitmq_url: str) -> AsyncIterator[Relay]:
    parts = urlsplit(rabbitmq_url)
    relay = Relay((parts.hostname or "127.0.0.1", parts.port or 5672))
    await relay.up()
    yield relay
    await relay.down()


def through(relay: Relay, rabbitmq_url: str) -> str:
    parts = urlsplit(rabbitmq_url)
    return parts._replace(
        netloc=f"{parts.username}:{parts.password}@127.0.0.1:{relay.port}"
    ).geturl()


async def test_an_event_is_published_persistent_with_its_id_and_type(
    rabbitmq_url: str, queue: AbstractQueue
) -> None:
    broker, sent = RabbitBroker(rabbitmq_url), event()
    try:
        await broker.publish(sent)
    finally:
        await broker.close()

    [message] = await drain(queue)
    assert message.message_id == str(sent.id)
    assert message.routing_key == "order.paid" and message.type == "order.paid"
    assert message.delivery_mode == aio_pika.DeliveryMode.PERSISTENT
    assert message.content_type == "application/json"
    assert json.loads(message.body) == {
        "type": "order.paid",
        "timestamp": "2026-12-02T07:30:00Z",
        "data": {"id": "x", "status": "paid"},
    }


async def test_a_broker_that_is_down_fails_the_attempt_and_is_reconnected_to_after(
    rabbitmq_url: str, queue: AbstractQueue, relay: Relay
) -> None:
    broker = RabbitBroker(through(relay, rabbitmq_url))
    try:
        await broker.publish(event())
        await relay.down()
        with pytest.raises(SendFailed):
            await broker.publish(event())
        await relay.up()
        await broker.publish(event())
    finally:
        await broker.close()
    assert len(await drain(queue)) == 2


async def test_every_event_reaches_the_queue_once_across_an_outage(
    make_uow, rabbitmq_url: str, queue: AbstractQueue, relay: Relay
) -> None:
    broker, clock = RabbitBroker(through(relay, rabbitmq_url)), FakeClock(datetime.now(UTC))
    notifications = Notifications(
        uow=make_uow,
        read_uow=lambda: make_uow(read_only=True),
        ids=Uuid7Generator(),
        clock=clock,
        mailer=Receiver(),
        broker=broker,
        webhooks=HttpWebhookClient(https_only=True),
        event_types=EVENT_TYPES,
    )
    fan_out, deliver = RelayEventsHandler(notifications, Audit()), DeliverDueHandler(notifications)
    async with make_uow() as uow:
        for n in range(10):
            await uow.users.add(registered(f"b{n}@example.com"))
        await uow.commit()
    try:
        await relay.down()
        await fan_out()
        await deliver()  # every attempt fails: the broker is unreachable
        await relay.up()
        clock.advance(2)  # past the broker's first retry wait
        while await deliver():
            clock.advance(2)
    finally:
        await broker.close()

    received = await drain(queue)
    assert sorted(m.message_id for m in received) == sorted(
        str(e.id) for e in await outbox(make_uow)
    )
