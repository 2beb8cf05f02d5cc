"""What clients see of the domain's objects, as plain dicts, and their JSON: the API's
answers and the CLI's machine-readable output are one and the same. A dict is built in a
fraction of a response model's time; each route still declares its model as the schema,
and the contract test holds every answer to it."""

from typing import Any
from uuid import UUID

import orjson

from domain.catalog import Product, StockMovement
from domain.notifications import Delivery, WebhookEndpoint
from domain.orders import Order
from domain.shared.money import Money
from domain.users import User


def to_json(document: Any) -> bytes:
    """Aware UTC times as "...Z", as the response models write them."""
    return orjson.dumps(document, option=orjson.OPT_UTC_Z)


def product_document(product: Product) -> dict[str, Any]:
    """A product as clients see it (the API's ``ProductOut``)."""
    return {
        "id": str(product.id),
        "sku": product.sku.value,
        "name": product.name,
        "description": product.description,
        "price": money_document(product.price),
        "stock": product.stock,
        "is_active": product.is_active,
        "version": product.version,
        "created_at": product.created_at,
        "updated_at": product.updated_at,
    }


def stock_movement_document(movement: StockMovement) -> dict[str, Any]:
    """A line of a product's stock ledger (the API's ``StockMovementOut``)."""
    return {
        "id": str(movement.id),
        "product_id": str(movement.product_id),
        "delta": movement.delta,
        "stock_after": movement.stock_after,
        "kind": movement.kind.value,
        "reason": movement.reason,
        "actor_id": _optional_id(movement.actor_id),
        "order_id": _optional_id(movement.order_id),
        "created_at": movement.created_at,
    }


def user_document(user: User) -> dict[str, Any]:
    """An account as clients see it (the API's ``UserOut``)."""
    return {
        "id": str(user.id),
        "email": user.email.value,
        "full_name": user.full_name,
        "role": user.role.value,
        "is_active": user.is_active,
        "created_at": user.created_at,
    }


def _optional_id(value: UUID | None) -> str | None:
    return str(value) if value is not None else None


def money_document(money: Money) -> dict[str, str]:
    return {"amount": money.amount, "currency": money.currency.code}


def order_document(order: Order) -> dict[str, Any]:
    """An order as clients see it (the API's ``OrderOut``)."""
    address = order.shipping_address
    return {
        "id": str(order.id),
        "customer_id": str(order.customer_id),
        "status": order.status.value,
        "lines": [
            {
                "product_id": str(line.product_id),
                "sku": line.sku,
                "name": line.name,
                "unit_price": money_document(line.unit_price),
                "quantity": line.quantity,
                "line_total": money_document(line.line_total),
            }
            for line in order.lines
        ],
        "total": money_document(order.total),
        "shipping_address": {
            "name": address.name,
            "line1": address.line1,
            "line2": address.line2 or None,
            "city": address.city,
            "postal_code": address.postal_code,
            "country": address.country,
        },
        "created_at": order.created_at,
        "updated_at": order.updated_at,
        "payment_expires_at": order.payment_expires_at,
        "paid_at": order.paid_at,
        "shipped_at": order.shipped_at,
        "delivered_at": order.delivered_at,
        "cancelled_at": order.cancelled_at,
        "cancellation_reason": order.cancellation_reason,
        "tracking_number": order.tracking_number,
    }


def order_json(order: Order) -> bytes:
    return to_json(order_document(order))


def webhook_document(endpoint: WebhookEndpoint) -> dict[str, Any]:
    """A webhook endpoint as admins see it (the API's ``WebhookOut``): never its secret,
    which is shown once, at creation."""
    return {
        "id": str(endpoint.id),
        "url": endpoint.url,
        "event_types": sorted(endpoint.event_types),
        "description": endpoint.description,
        "enabled": endpoint.enabled,
        "failures_in_a_row": endpoint.failures_in_a_row,
        "created_at": endpoint.created_at,
        "updated_at": endpoint.updated_at,
    }


def delivery_document(delivery: Delivery) -> dict[str, Any]:
    """One event on its way to one place (the API's ``DeliveryOut``)."""
    return {
        "id": str(delivery.id),
        "event_id": str(delivery.event_id),
        "event_type": delivery.event_type,
        "status": delivery.status.value,
        "attempts": delivery.attempts,
        "last_status_code": delivery.last_status,
        "last_error": delivery.last_error,
        "next_attempt_at": delivery.next_attempt_at if delivery.status.value == "pending" else None,
        "created_at": delivery.created_at,
        "delivered_at": delivery.delivered_at,
    }
