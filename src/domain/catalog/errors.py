from domain.shared.errors import Conflict, PreconditionFailed


class SkuTaken(Conflict):
    code = "sku_taken"
    title = "SKU already in use"


class StockWouldGoNegative(Conflict):
    code = "stock_would_go_negative"
    title = "Stock would go negative"


class VersionMismatch(PreconditionFailed):
    code = "version_mismatch"
    title = "Version mismatch"
