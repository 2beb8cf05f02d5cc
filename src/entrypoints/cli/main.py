"""The admin CLI: the same use cases as the API, through the same container. One module
per command group; each imports what it needs when it runs."""

import logging
from typing import TYPE_CHECKING, Annotated

import typer

from entrypoints.cli import db, events, orders, payments, products, seed, users, webhooks
from entrypoints.cli.common import fail, migrating, opened, settings

if TYPE_CHECKING:
    from entrypoints.settings import Settings

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
    from entrypoints.logs import configure_logging, logging_config

    # Refused settings stop here, before the metrics directory is made.
    config = settings()  # fails fast on bad settings, and makes the dev key before workers
    opened(config, creating=True)
    configure_logging(config)  # as the workers log: a warning below is a line like theirs
    _limits_shared(config, workers)
    directory = metrics_directory.prepare()  # before anything imports prometheus-client
    import uvicorn

    from adapters.sqlalchemy import migrator

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


def _limits_shared(config: "Settings", workers: int) -> None:
    """Several workers count the rate limits and sign-in failures together only in Redis:
    without it each counts its own, and every limit is that many times looser. Production
    refuses to start so; development is warned, in the server's log."""
    if workers == 1 or config.redis_url is not None:
        return
    looser = (
        f"{workers} workers without EMPORIUM_REDIS_URL would each count their own rate "
        f"limits and sign-in failures, every limit {workers} times looser"
    )
    if config.env == "production":
        raise fail(f"{looser}: set EMPORIUM_REDIS_URL, or serve with one worker")
    logging.getLogger("emporium.serve").warning("%s (set EMPORIUM_REDIS_URL)", looser)
