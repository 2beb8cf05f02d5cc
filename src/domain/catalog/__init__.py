from domain.catalog.errors import SkuTaken, StockWouldGoNegative, VersionMismatch
from domain.catalog.product import Product
from domain.catalog.sku import Sku
from domain.catalog.stock import MovementKind, StockMovement

__all__ = [
    "MovementKind",
    "Product",
    "Sku",
    "SkuTaken",
    "StockMovement",
    "StockWouldGoNegative",
    "VersionMismatch",
]
