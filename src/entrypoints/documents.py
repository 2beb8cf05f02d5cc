"""What clients see of the domain's objects, as plain dicts, and their JSON: the API's
answers and the CLI's machine-readable output are one and the same."""

from typing import Any

import orjson

from domain.catalog import Product


def to_json(document: Any) -> bytes:
    """Aware UTC times as "...Z", as the response models write them."""
    return orjson.dumps(document, option=orjson.OPT_UTC_Z)


def product_document(product: Product) -> dict[str, Any]:
    """A product as clients see it (the API's ``ProductOut``): built in a fraction of a
    model's time, for the hottest reads."""
    return {
        "id": str(product.id),
        "sku": product.sku.value,
        "name": product.name,
        "description": product.description,
        "price": {"amount": product.price.amount, "currency": product.price.currency.code},
        "stock": product.stock,
        "is_active": product.is_active,
        "version": product.version,
        "created_at": product.created_at,
        "updated_at": product.updated_at,
    }
