"""The admin CLI: the same use cases as the API, through the same container. One module
per command group; each imports what it needs when it runs."""

from typing import Annotated

import typer

from entrypoints.cli import db, events, orders, payments, products, seed, users, webhooks
from entrypoints.cli.common import migrating, opened, settings

app = typer.Typer(help="Emporium admin CLI.", no_args_is_help=True)
app.add_typer(db.app, name="db")
app.add_typer(users.app, name="users")
app.add_typer(products.app, name="products")
app.add_typer(orders.app, name="orders")
app.add_typer(payments.app, name="payments")
app.add_typer(seed.app, name="seed")
app.add_typer(events.events_app, name="events")
app.add_typer(events.outbox_app, name="outbox")
app.add_typer(webhooks.app, name="webhooks")
app.command()(events.worker)


@app.command()
def serve(
    host: Annotated[str, typer.Option(help="Interface to bind.")] = "127.0.0.1",
    port: Annotated[int, typer.Option(min=1, max=65535)] = 8000,
    workers: Annotated[int, typer.Option(min=1, help="Worker processes.")] = 1,
    reload: Annotated[bool, typer.Option(help="Restart on code changes (development).")] = False,
) -> None:
    """Run the API (uvicorn). On SQLite, pending migrations are applied first."""
    from entrypoints import metrics_directory

    directory = metrics_directory.prepare()  # before anything imports prometheus-client
    import uvicorn

    from adapters.sqlalchemy import migrator
    from entrypoints.logs import logging_config

    config = settings()  # fails fast on bad settings, and makes the dev key before workers
    opened(config, creating=True)
    try:
        if config.is_sqlite:
            with migrating():
                migrator.upgrade(config.database_url)
        uvicorn.run(
            "entrypoints.api.serving:app_from_environment",
            factory=True,
            host=host,
            port=port,
            workers=None if reload else workers,
            reload=reload,
            log_config=logging_config(config),
            access_log=False,  # ours, with the route template: EMPORIUM_ACCESS_LOG
            proxy_headers=bool(config.trusted_proxies),
            forwarded_allow_ips=",".join(config.trusted_proxies) or None,
        )
    finally:
        metrics_directory.forget(directory)
