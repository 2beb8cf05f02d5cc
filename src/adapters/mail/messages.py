"""The shop's emails as messages: a plain-text and an HTML part from the templates in
``templates/`` (Jinja2, HTML autoescaped), money in the store's currency format."""

from datetime import datetime
from decimal import Decimal
from email.message import EmailMessage
from email.utils import formataddr
from pathlib import Path
from typing import Any

from jinja2 import Environment, FileSystemLoader, StrictUndefined, select_autoescape

from application.notifications.ports import Email

TEMPLATES = Path(__file__).parent / "templates"

SUBJECTS = {
    "order_placed": "We have your order; it awaits payment",
    "order_paid": "Your order is paid",
    "order_shipped": "Your order is on its way",
    "order_delivered": "Your order was delivered",
    "order_cancelled": "Your order was cancelled",
    "password_changed": "Your password was changed",
    "webhook_disabled": "A webhook endpoint was disabled",
}

_SYMBOLS = {"USD": "$", "EUR": "€", "GBP": "£", "JPY": "¥", "CHF": "CHF "}


def money(document: dict[str, str]) -> str:
    """``{"amount": "1234.50", "currency": "USD"}`` as ``$1,234.50``."""
    amount = Decimal(document["amount"])
    code = document["currency"]
    return f"{_SYMBOLS.get(code, code + ' ')}{amount:,}"


def when(moment: str) -> str:
    """An API time (``2026-12-02T07:30:00Z``) as ``2 December 2026, 07:30 UTC``."""
    parsed = datetime.fromisoformat(moment)
    return f"{parsed.day} {parsed:%B %Y, %H:%M} UTC"


class Messages:
    def __init__(self, sender: str, shop_name: str = "Emporium") -> None:
        self._sender, self._shop = sender, shop_name
        self._env = Environment(
            loader=FileSystemLoader(TEMPLATES),
            autoescape=select_autoescape(["html"]),
            undefined=StrictUndefined,
            keep_trailing_newline=True,
        )
        self._env.filters["money"] = money
        self._env.filters["when"] = when

    def build(self, email: Email) -> EmailMessage:
        context: dict[str, Any] = {"data": email.data, "to": email.to, "shop": self._shop}
        message = EmailMessage()
        message["From"] = self._sender
        message["To"] = formataddr((email.to.name, email.to.email))
        message["Subject"] = f"{self._shop}: {SUBJECTS[email.template]}"
        message["Message-ID"] = email.message_id
        message.set_content(self._render(f"{email.template}.txt", context))
        message.add_alternative(self._render(f"{email.template}.html", context), subtype="html")
        return message

    def _render(self, name: str, context: dict[str, Any]) -> str:
        return self._env.get_template(name).render(context)
