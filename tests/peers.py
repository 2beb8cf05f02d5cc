"""Real protocol peers for the tests: an SMTP server that keeps what it receives
(aiosmtpd), an HTTP server that receives webhooks, and a TCP relay in front of a real
server that a test can switch off and on (an outage, without stopping the shared
server)."""

import asyncio
import contextlib
import email
import email.policy
import http.server
import json
import socket
import threading
import time
from collections.abc import AsyncIterator, Iterator
from email.message import EmailMessage
from typing import Any

import aio_pika
from aio_pika.abc import AbstractIncomingMessage, AbstractQueue
from aiosmtpd.controller import Controller

from application.notifications.relay import EXCHANGE


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


class _Inbox:
    def __init__(self) -> None:
        self.messages: list[EmailMessage] = []

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        parsed = email.message_from_bytes(envelope.content, policy=email.policy.default)
        self.messages.append(parsed)  # type: ignore[arg-type]
        return "250 OK"


@contextlib.contextmanager
def smtp_server(port: int | None = None) -> Iterator[tuple[int, list[EmailMessage]]]:
    """A local SMTP server on ``port`` (a free one if None), and the messages it
    received."""
    inbox = _Inbox()
    controller = Controller(inbox, hostname="127.0.0.1", port=port or free_port())
    controller.start()
    try:
        yield controller.port, inbox.messages
    finally:
        controller.stop()


class Relay:
    """Forwards 127.0.0.1:``port`` to ``target``; ``down()`` closes the listener and cuts
    every open connection, ``up()`` listens again on the same port."""

    def __init__(self, target: tuple[str, int]) -> None:
        self.target, self.port = target, free_port()
        self._server: asyncio.Server | None = None
        self._writers: set[asyncio.StreamWriter] = set()

    async def up(self) -> None:
        self._server = await asyncio.start_server(self._pipe, "127.0.0.1", self.port)

    async def down(self) -> None:
        if self._server is not None:
            self._server.close()
            await self._server.wait_closed()
            self._server = None
        for writer in list(self._writers):
            writer.close()
        self._writers.clear()

    async def _pipe(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        try:
            up_reader, up_writer = await asyncio.open_connection(*self.target)
        except OSError:
            writer.close()
            return
        self._writers |= {writer, up_writer}

        async def copy(source: asyncio.StreamReader, sink: asyncio.StreamWriter) -> None:
            with contextlib.suppress(Exception):
                while data := await source.read(65536):
                    sink.write(data)
                    await sink.drain()
            sink.close()

        await asyncio.gather(copy(reader, up_writer), copy(up_reader, writer))


class Server(http.server.ThreadingHTTPServer):
    """As a receiver in production listens: a backlog for a worker's 50 connections at
    once (the standard library's 5 would drop some, and the sender wait a second to
    connect again)."""

    request_queue_size = 128
    daemon_threads = True


class WebhookReceiver:
    """A real HTTP server (a thread) that keeps every request it gets: answers the next
    of ``answers`` (a status, or a status and headers), then 200 once they run out; the
    next ``slow`` requests wait ``delay`` seconds first."""

    def __init__(self) -> None:
        self.requests: list[tuple[str, dict[str, str], bytes]] = []
        self.answers: list[int | tuple[int, dict[str, str]]] = []
        self.slow, self.delay = 0, 0.0
        receiver = self

        class Handler(http.server.BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"  # keep-alive, as real receivers do

            def do_POST(self) -> None:
                length = int(self.headers.get("content-length", 0))
                body = self.rfile.read(length)
                if len(body) < length:  # the sender died mid-request: nothing arrived
                    self.close_connection = True
                    return
                receiver.requests.append((self.path, dict(self.headers.items()), body))
                if receiver.slow:
                    receiver.slow -= 1
                    time.sleep(receiver.delay)
                answer = receiver.answers.pop(0) if receiver.answers else 200
                status, headers = answer if isinstance(answer, tuple) else (answer, {})
                self.send_response(status)
                for name, value in headers.items():
                    self.send_header(name, value)
                self.send_header("content-length", "0")
                self.end_headers()

            def log_message(self, *args: object) -> None:
                pass

        self._server = Server(("127.0.0.1", 0), Handler)
        self.port = self._server.server_address[1]
        self.url = f"http://127.0.0.1:{self.port}/hooks"
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)

    def __enter__(self) -> "WebhookReceiver":
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._server.shutdown()
        self._server.server_close()

    def bodies(self) -> list[dict[str, Any]]:
        return [json.loads(body) for _, _, body in self.requests]


@contextlib.asynccontextmanager
async def broker_queue(url: str) -> AsyncIterator[AbstractQueue]:
    """A consumer's queue on RabbitMQ, bound to every event type, as a receiving system
    binds one."""
    connection = await aio_pika.connect(url)
    channel = await connection.channel()
    exchange = await channel.declare_exchange(EXCHANGE, aio_pika.ExchangeType.TOPIC, durable=True)
    queue = await channel.declare_queue(exclusive=True)
    await queue.bind(exchange, routing_key="#")
    try:
        yield queue
    finally:
        await connection.close()


async def drain(queue: AbstractQueue) -> list[AbstractIncomingMessage]:
    """Every message the queue holds (waiting up to 5 s for one), acknowledged."""
    received = []
    while (message := await queue.get(fail=False, timeout=5)) is not None:
        await message.ack()
        received.append(message)
    return received
