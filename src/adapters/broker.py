"""RabbitMQ, the shop's event stream for other systems (aio-pika): every event on the
durable topic exchange ``emporium.events``, its routing key the event type, persistent,
its ``message_id`` the event id; a publish returns once the broker confirms it."""

import asyncio
import contextlib

import aio_pika
from aio_pika.abc import AbstractChannel, AbstractConnection, AbstractExchange

from application.notifications.ports import SendFailed
from application.notifications.relay import EXCHANGE
from application.notifications.shared import envelope
from application.shared.outbox import OutboxEvent

TIMEOUT_SECONDS = 5


class RabbitBroker:
    """Connects on first use, and again after any failure (the broker restarted, the
    connection dropped): the delivery that found it out is retried, as any other."""

    def __init__(self, url: str) -> None:
        self._url = url
        self._connection: AbstractConnection | None = None
        self._exchange: AbstractExchange | None = None
        self._lock = asyncio.Lock()

    async def publish(self, event: OutboxEvent) -> None:
        message = aio_pika.Message(
            envelope(event).encode(),
            message_id=str(event.id),
            type=event.type,
            timestamp=event.occurred_at,
            content_type="application/json",
            delivery_mode=aio_pika.DeliveryMode.PERSISTENT,
            headers={"subject_id": str(event.subject_id), "schema_version": event.schema_version},
        )
        try:
            exchange = await self._exchange_ready()
            async with asyncio.timeout(TIMEOUT_SECONDS):
                await exchange.publish(message, routing_key=event.type)
        except (aio_pika.exceptions.AMQPError, OSError, TimeoutError) as error:
            await self.close()
            raise SendFailed(f"the broker did not confirm: {error!r}") from error

    async def ping(self) -> None:
        await self._exchange_ready()

    async def close(self) -> None:
        connection, self._connection, self._exchange = self._connection, None, None
        if connection is not None:
            with contextlib.suppress(Exception):  # it is gone either way
                await connection.close()

    async def _exchange_ready(self) -> AbstractExchange:
        async with self._lock:
            if self._exchange is None or self._connection is None or self._connection.is_closed:
                async with asyncio.timeout(TIMEOUT_SECONDS):
                    self._connection = await aio_pika.connect(self._url)
                    channel: AbstractChannel = await self._connection.channel(
                        publisher_confirms=True
                    )
                    self._exchange = await channel.declare_exchange(
                        EXCHANGE, aio_pika.ExchangeType.TOPIC, durable=True
                    )
            return self._exchange
