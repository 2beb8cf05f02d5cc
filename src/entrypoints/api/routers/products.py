from collections.abc import Callable
from datetime import datetime
from typing import Annotated
from uuid import UUID

from fastapi import Header, Request, Response, status
from starlette.routing import Match, Route
from starlette.types import Scope

from application.catalog.commands import (
    AdjustStock,
    ArchiveProduct,
    CreateProduct,
    GetProduct,
    ListProducts,
    ListStockMovements,
    Price,
    UpdateProduct,
)
from application.catalog.products import (
    AdjustStockHandler,
    ArchiveProductHandler,
    CreateProductHandler,
    GetProductHandler,
    ListProductsHandler,
    ListStockMovementsHandler,
    UpdateProductHandler,
)
from application.shared.actor import Actor
from domain.catalog import Product, SkuTaken, StockWouldGoNegative, VersionMismatch
from domain.shared.errors import ConcurrentUpdate, Forbidden, NotFound, RateLimited
from domain.shared.money import CurrencyMismatch
from entrypoints.api.conditional import etag, is_current, versions_matching
from entrypoints.api.dependencies import NO_BODY, Cursors, use
from entrypoints.api.limits import check_client, per_anonymous_client
from entrypoints.api.pagination import NEXT_LINK, page_response
from entrypoints.api.problems import raises
from entrypoints.api.query import query_string
from entrypoints.api.responses import LOCATION, JsonResponse
from entrypoints.api.routes import API_PREFIX, api_router
from entrypoints.api.schemas.catalog import (
    CreateProductIn,
    Money,
    ProductListIn,
    ProductOut,
    ProductPageOut,
    StockAdjustmentIn,
    StockMovementPageOut,
    UpdateProductIn,
)
from entrypoints.api.schemas.common import PageIn
from entrypoints.api.security import SIGN_IN_OPTIONAL, CurrentActor
from entrypoints.container import Container
from entrypoints.cursors import integer, moment, text
from entrypoints.documents import product_document, stock_movement_document

router = api_router(f"{API_PREFIX}/products", tags=["products"])
admin_router = api_router(f"{API_PREFIX}/products", tags=["products"], responses=raises(Forbidden))
CatalogCaller = Annotated[Actor, per_anonymous_client("catalog")]

MAX_TAGS_LENGTH = 1024  # of an If-None-Match or If-Match header
_ETAG = {
    "ETag": {"description": 'The product\'s version, quoted: `"3"`', "schema": {"type": "string"}}
}
_TAGGED = {"headers": _ETAG}
# How a cursor's sort key is read back, by what the page is sorted by.
_SORT_KEYS: dict[str, Callable[[object], datetime | int | str]] = {
    "created_at": moment,
    "price": integer,
    "name": text,
}


def _price(body: Money | None) -> Price | None:
    return Price(body.amount, body.currency) if body is not None else None


def _tagged(product: Product, status_code: int = 200, **headers: str) -> JsonResponse:
    """A product, with its version as ETag."""
    headers["ETag"] = etag(product.version)
    return JsonResponse(product_document(product), status_code, headers)


@router.get(
    "",
    openapi_extra=SIGN_IN_OPTIONAL,
    responses=raises(Forbidden, RateLimited) | NEXT_LINK,
    response_model=ProductPageOut,
    summary="Browse and search products",
    description="Archived products are left out; admins may ask for them with "
    "`include_archived=true` (anyone else gets 403).",
)
async def list_products(
    request: Request,
    actor: CatalogCaller,
    list_products: Annotated[ListProductsHandler, use(lambda c: c.catalog.list_products)],
    cursors: Cursors,
    query: Annotated[ProductListIn, query_string(ProductListIn)],
) -> JsonResponse:
    scope = f"products:{query.sort.value}"
    page = await list_products(
        ListProducts(
            actor,
            text=query.q,
            min_price=query.min_price,
            max_price=query.max_price,
            in_stock=query.in_stock,
            include_archived=query.include_archived,
            sort=query.sort,
            limit=query.limit,
            after=cursors.decode(query.cursor, scope, _SORT_KEYS[query.sort.key]),
        )
    )
    items = [product_document(p) for p in page.items]
    return page_response(request, items, cursors.encode(page.next_after, scope))


@router.get(
    "/{product_id}",
    openapi_extra=SIGN_IN_OPTIONAL,
    responses=raises(NotFound, Forbidden, RateLimited)
    | {200: _TAGGED, 304: {"description": "The client's copy is current"} | _TAGGED},
    response_model=ProductOut,
    summary="One product",
    description="An archived (deleted) product is not found, unless an admin asks with "
    "`include_archived=true` (anyone else gets 403), as the list does. "
    "Send the `ETag` back in `If-None-Match` to get a 304 while it is current.",
)
async def read_product(
    product_id: UUID,
    actor: CatalogCaller,
    get_product: Annotated[GetProductHandler, use(lambda c: c.catalog.get_product)],
    if_none_match: Annotated[str | None, Header(max_length=MAX_TAGS_LENGTH)] = None,
    include_archived: bool = False,
) -> Response:
    return await _product_answer(
        get_product, GetProduct(actor, product_id, include_archived), if_none_match
    )


async def _product_answer(
    get_product: GetProductHandler, query: GetProduct, if_none_match: str | None
) -> Response:
    product = await get_product(query)
    if is_current(if_none_match, product.version):
        return Response(
            status_code=status.HTTP_304_NOT_MODIFIED, headers={"ETag": etag(product.version)}
        )
    return _tagged(product)


class AnonymousProductRead(Route):
    """``GET /products/{id}`` for anonymous callers, the bulk of the catalog's busiest
    route, served ahead of the declared route above: FastAPI's per-request dependency
    solving and validation cost more CPU than the database read, and an anonymous read
    needs neither. A request it cannot answer this simply (signed in, a query string, an
    id that is not 32 hex digits, an over-long ``If-None-Match``) falls through to the declared
    route, which validates it, answers it and documents the operation; both answer with
    ``_product_answer``."""

    def __init__(self) -> None:
        path = f"{router.prefix}/{{product_id:uuid}}"
        super().__init__(path, self.read, methods=["GET"], include_in_schema=False)

    def matches(self, scope: Scope) -> tuple[Match, Scope]:
        simple = scope["type"] == "http" and scope["method"] == "GET"
        if simple and not scope["query_string"] and _anonymous_with_short_tags(scope["headers"]):
            match, child_scope = super().matches(scope)
            if match is Match.FULL:
                return match, child_scope
        return Match.NONE, {}

    @staticmethod
    async def read(request: Request) -> Response:
        await check_client(request, "catalog")
        container: Container = request.app.state.container
        return await _product_answer(
            container.catalog.get_product(),
            GetProduct(Actor.anonymous(), request.path_params["product_id"]),
            request.headers.get("if-none-match"),
        )


def _anonymous_with_short_tags(headers: list[tuple[bytes, bytes]]) -> bool:
    for name, value in headers:
        if name == b"authorization" or (name == b"if-none-match" and len(value) > MAX_TAGS_LENGTH):
            return False
    return True


@admin_router.post(
    "",
    status_code=status.HTTP_201_CREATED,
    responses=raises(SkuTaken, CurrencyMismatch) | {201: {"headers": _ETAG | LOCATION}},
    response_model=ProductOut,
    summary="Add a product (admins)",
)
async def create_product(
    request: Request,
    body: CreateProductIn,
    actor: CurrentActor,
    create_product: Annotated[CreateProductHandler, use(lambda c: c.catalog.create_product)],
) -> JsonResponse:
    product = await create_product(
        CreateProduct(
            actor,
            sku=body.sku,
            name=body.name,
            description=body.description,
            price=Price(body.price.amount, body.price.currency),
            stock=body.stock,
        )
    )
    return _tagged(product, 201, Location=f"{request.url.path}/{product.id}")


@admin_router.patch(
    "/{product_id}",
    responses=raises(NotFound, VersionMismatch, CurrencyMismatch, ConcurrentUpdate)
    | {200: _TAGGED},
    response_model=ProductOut,
    summary="Change a product (admins); fields left out stay as they are",
    description='With `If-Match: "<version>"`, the change is made only if the product is '
    "still at that version (else 412 `version_mismatch`): no lost update.",
)
async def update_product(
    product_id: UUID,
    body: UpdateProductIn,
    actor: CurrentActor,
    update_product: Annotated[UpdateProductHandler, use(lambda c: c.catalog.update_product)],
    if_match: Annotated[str | None, Header(max_length=MAX_TAGS_LENGTH)] = None,
) -> JsonResponse:
    product = await update_product(
        UpdateProduct(
            actor,
            product_id,
            name=body.name,
            description=body.description,
            price=_price(body.price),
            is_active=body.is_active,
            expected_versions=versions_matching(if_match),
        )
    )
    return _tagged(product)


@admin_router.post(
    "/{product_id}/stock-adjustments",
    responses=raises(NotFound, StockWouldGoNegative) | {200: _TAGGED},
    response_model=ProductOut,
    summary="Add or remove stock, with a reason, into the ledger (admins)",
)
async def adjust_stock(
    product_id: UUID,
    body: StockAdjustmentIn,
    actor: CurrentActor,
    adjust_stock: Annotated[AdjustStockHandler, use(lambda c: c.catalog.adjust_stock)],
) -> JsonResponse:
    product = await adjust_stock(AdjustStock(actor, product_id, body.delta, body.reason))
    return _tagged(product)


@admin_router.delete(
    "/{product_id}",
    status_code=status.HTTP_204_NO_CONTENT,
    dependencies=[NO_BODY],
    responses=raises(NotFound),
    summary="Archive a product (admins); orders keep their copy of it",
)
async def archive_product(
    product_id: UUID,
    actor: CurrentActor,
    archive_product: Annotated[ArchiveProductHandler, use(lambda c: c.catalog.archive_product)],
) -> Response:
    await archive_product(ArchiveProduct(actor, product_id))
    return Response(status_code=status.HTTP_204_NO_CONTENT)


@admin_router.get(
    "/{product_id}/stock-movements",
    response_model=StockMovementPageOut,
    responses=raises(NotFound) | NEXT_LINK,
    summary="A product's stock ledger, newest first (admins)",
)
async def list_stock_movements(
    request: Request,
    product_id: UUID,
    actor: CurrentActor,
    list_movements: Annotated[
        ListStockMovementsHandler, use(lambda c: c.catalog.list_stock_movements)
    ],
    cursors: Cursors,
    query: Annotated[PageIn, query_string(PageIn)],
) -> JsonResponse:
    scope = f"stock-movements:{product_id}"
    after = cursors.decode(query.cursor, scope, integer)
    page = await list_movements(ListStockMovements(actor, product_id, query.limit, after))
    items = [stock_movement_document(m) for m in page.items]
    return page_response(request, items, cursors.encode(page.next_after, scope))
