"""Emails through a real SMTP server (aiosmtpd on a free port): what arrives is what a
customer reads, in both parts; a server that is down is a failed attempt, to retry; each
step of an order is one email, whatever the retries."""

import json
from email.message import EmailMessage

import pytest
from dependency_injector import providers

from adapters.mail.mailers import SmtpMailer
from adapters.mail.messages import SUBJECTS, Messages
from application.notifications.ports import Email, Recipient, SendFailed
from application.orders.commands import CancelOrder, DeliverOrder, PayOrder, ShipOrder
from domain.orders import CancellationReason
from entrypoints.documents import order_document, to_json
from tests.factories import OPERATOR, OrderFactory
from tests.integration.conftest import MakeUow
from tests.integration.orders import Wired
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


async def test_each_step_of_an_order_is_one_email_through_a_mail_server_outage(
    make_uow: MakeUow,
) -> None:
    shop, port = Wired(make_uow), free_port()
    notifications = shop.container.notifications
    notifications.mailer.override(providers.Object(mailer(port)))
    notifications.broker.override(providers.Object(None))
    relay, deliver = notifications.relay_events(), notifications.deliver_due()
    customer, product = await shop.customer(), await shop.product(stock=5)
    kept = await shop.order(customer, (product, 1))
    await shop.pay(PayOrder(customer, kept.id, "tok_visa"))
    await shop.fulfil(ShipOrder(OPERATOR, kept.id, "1Z999"))
    await shop.fulfil(DeliverOrder(OPERATOR, kept.id))
    dropped = await shop.order(customer, (product, 1))
    await shop.cancel(CancelOrder(customer, dropped.id))

    await relay()
    assert await deliver() == 2  # each order's first email: the server is down
    with smtp_server(port) as (_, inbox):
        for _ in range(6):  # retries, then each next step in its order's turn
            shop.clock.advance(6)
            await relay()
            while await deliver():
                pass
    assert len({m["Message-ID"] for m in inbox}) == len(inbox)

    def sent_about(order_id: object) -> list[str]:
        """The subjects of the emails that name the order, as they arrived."""
        about = [m for m in inbox if str(order_id) in plain_text(m)]
        return [m["Subject"].split(": ", 1)[1] for m in about]

    steps = ("order_placed", "order_paid", "order_shipped", "order_delivered")
    assert sent_about(kept.id) == [SUBJECTS[step] for step in steps]
    assert sent_about(dropped.id) == [SUBJECTS["order_placed"], SUBJECTS["order_cancelled"]]
    assert len(inbox) == 6


def plain_text(message: EmailMessage) -> str:
    return message.get_body(("plain",)).get_content()  # type: ignore[union-attr]
