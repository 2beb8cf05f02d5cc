"""Emails through a real SMTP server (aiosmtpd on a free port): what arrives is what a
customer reads, in both parts; a server that is down is a failed attempt, to retry."""

import json

import pytest

from adapters.mail.mailers import SmtpMailer
from adapters.mail.messages import Messages
from application.notifications.ports import Email, Recipient, SendFailed
from domain.orders import CancellationReason
from entrypoints.documents import order_document, to_json
from tests.factories import OrderFactory
from tests.peers import free_port, smtp_server


def mailer(port: int) -> SmtpMailer:
    return SmtpMailer(
        Messages("Emporium <shop@example.com>"),
        host="127.0.0.1",
        port=port,
        starttls=False,
        username=None,
        password=None,
    )


def email_about(template: str, data: dict[str, object], name: str = "Ada <Lovelace>") -> Email:
    return Email(
        template=template,
        to=Recipient("ada@example.com", name),
        data=json.loads(to_json(data)),
        message_id="<d-1@emporium>",
    )


async def test_an_order_email_arrives_with_a_text_and_an_escaped_html_part() -> None:
    order = OrderFactory()
    with smtp_server() as (port, inbox):
        await mailer(port).send(email_about("order_placed", order_document(order)))

    [message] = inbox
    assert message["To"] == '"Ada <Lovelace>" <ada@example.com>'
    assert message["Subject"] == "Emporium: We have your order; it awaits payment"
    assert message["Message-ID"] == "<d-1@emporium>"
    text = message.get_body(("plain",)).get_content()  # type: ignore[union-attr]
    html = message.get_body(("html",)).get_content()  # type: ignore[union-attr]
    assert "Hello Ada <Lovelace>," in text
    assert "Hello Ada &lt;Lovelace&gt;," in html and "<Lovelace>" not in html
    total = f"${order.total.amount}"
    assert f"Total: {total}" in text and total in html
    assert str(order.id) in text


@pytest.mark.parametrize(
    ("reason", "paid", "expected"),
    [
        (CancellationReason.PAYMENT_TIMEOUT, False, "it was not paid in time"),
        (CancellationReason.CUSTOMER, True, "is refunded to you"),
    ],
)
async def test_a_cancellation_says_why_and_whether_money_comes_back(
    reason: CancellationReason, paid: bool, expected: str
) -> None:
    order = OrderFactory()
    document = order_document(order) | {"cancellation_reason": reason.value}
    if paid:
        document["paid_at"] = document["created_at"]
    with smtp_server() as (port, inbox):
        await mailer(port).send(email_about("order_cancelled", document))
    assert expected in inbox[0].get_body(("plain",)).get_content()  # type: ignore[union-attr]


async def test_a_mail_server_that_is_down_is_a_failed_attempt() -> None:
    with pytest.raises(SendFailed, match="Connect"):
        await mailer(free_port()).send(email_about("order_paid", order_document(OrderFactory())))
