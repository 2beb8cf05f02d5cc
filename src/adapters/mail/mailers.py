"""Where the shop's emails go: an SMTP server (aiosmtplib), or, in development, the
log."""

import logging

import aiosmtplib
from opentelemetry import trace

from adapters.mail.messages import Messages
from application.notifications.ports import Email, SendFailed

log = logging.getLogger("emporium.mail")

SMTP_TIMEOUT_SECONDS = 10


class LoggingMailer:
    """Writes each message to the ``emporium.mail`` logger instead of sending it."""

    def __init__(self, messages: Messages) -> None:
        self._messages = messages

    async def send(self, email: Email) -> None:
        message = self._messages.build(email)
        text = message.get_body(("plain",))
        body = text.get_content() if text is not None else ""
        log.info("email to %s: %s\n%s", message["To"], message["Subject"], body)


# A span per email sent (nothing, unless tracing is on).
_tracer = trace.get_tracer(__name__)


class SmtpMailer:
    """Sends through an SMTP server, with STARTTLS and credentials when configured; a
    server that does not take the message is SendFailed (retried)."""

    def __init__(
        self,
        messages: Messages,
        *,
        host: str,
        port: int,
        starttls: bool,
        username: str | None,
        password: str | None,
    ) -> None:
        self._messages, self._host = messages, host
        self._options = {
            "hostname": host,
            "port": port,
            "start_tls": starttls,
            "username": username,
            "password": password,
            "timeout": SMTP_TIMEOUT_SECONDS,
        }

    async def send(self, email: Email) -> None:
        message = self._messages.build(email)
        try:
            with _tracer.start_as_current_span(
                "smtp send",
                kind=trace.SpanKind.CLIENT,
                attributes={
                    "server.address": self._host,
                    "email.template": email.template,
                },
            ):
                await aiosmtplib.send(message, **self._options)  # type: ignore[arg-type]
        except (aiosmtplib.SMTPException, OSError, TimeoutError) as error:
            status = getattr(error, "code", None)
            raise SendFailed(f"{type(error).__name__}: {error}", status=status) from error
