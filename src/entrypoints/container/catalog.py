"""The catalog context: its units of work and use cases."""

from dependency_injector import containers, providers

from adapters.sqlalchemy.catalog import REPOSITORIES
from adapters.sqlalchemy.unit_of_work import SqlReader, SqlUnitOfWork
from application.catalog.products import (
    AdjustStockHandler,
    ArchiveProductHandler,
    CreateProductHandler,
    GetProductBySkuHandler,
    GetProductHandler,
    ListProductsHandler,
    ListStockMovementsHandler,
    UpdateProductHandler,
)
from application.catalog.shared import Catalog
from application.catalog.transfer import ExportProductsHandler, ImportProductsHandler
from domain.shared.money import Currency


class CatalogContainer(containers.DeclarativeContainer):
    core = providers.DependenciesContainer()
    uow = providers.Factory(SqlUnitOfWork, core.connections, REPOSITORIES, core.events)
    read_uow = providers.Factory(SqlReader, core.read_connections, REPOSITORIES)

    ports = providers.Singleton(
        Catalog,
        uow=uow.provider,
        read_uow=read_uow.provider,
        ids=core.ids,
        clock=core.clock,
        store_currency=providers.Singleton(Currency, core.settings.provided.store_currency),
    )
    create_product = providers.Singleton(CreateProductHandler, ports)
    get_product = providers.Singleton(GetProductHandler, ports)
    get_product_by_sku = providers.Singleton(GetProductBySkuHandler, ports)
    update_product = providers.Singleton(UpdateProductHandler, ports)
    adjust_stock = providers.Singleton(AdjustStockHandler, ports)
    archive_product = providers.Singleton(ArchiveProductHandler, ports)
    list_products = providers.Singleton(ListProductsHandler, ports)
    list_stock_movements = providers.Singleton(ListStockMovementsHandler, ports)
    import_products = providers.Singleton(ImportProductsHandler, ports)
    export_products = providers.Singleton(ExportProductsHandler, ports)
