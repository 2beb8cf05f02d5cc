"""What every command shares: settings, the container, and errors turned into one line
on stderr and exit code 1. Heavy modules are imported when a command runs, so that
``emporium --help`` answers at once."""

import asyncio
import sys
from collections.abc import AsyncIterator, Awaitable, Callable, Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeVar

import typer
from rich.console import Console

if TYPE_CHECKING:
    from application.shared.pages import Page
    from entrypoints.container import Container
    from entrypoints.settings import Settings

T = TypeVar("T")
P = TypeVar("P")
C = TypeVar("C")

stdout = Console()
stderr = Console(stderr=True, soft_wrap=True)


def fail(message: str) -> typer.Exit:
    stderr.print(f"[red]error:[/red] {message}", highlight=False)
    return typer.Exit(1)


def settings() -> "Settings":
    import pydantic

    from entrypoints.settings import Settings

    try:
        return Settings()
    except pydantic.ValidationError as error:
        details = "; ".join(_setting_error(e) for e in error.errors())
        raise fail(f"configuration: {details}") from None


def _setting_error(error: Any) -> str:
    """``EMPORIUM_DATABASE_URL: not a database URL``, not pydantic's three lines."""
    message = str(error["msg"]).removeprefix("Value error, ")
    if not error["loc"]:
        return message
    return f"EMPORIUM_{str(error['loc'][0]).upper()}: {message}"


@contextmanager
def reported() -> Iterator[None]:
    """Turns the errors an operator can act on into a message and exit code 1."""
    from sqlalchemy.exc import DBAPIError

    from domain.shared.errors import DomainError, ServiceUnavailable

    try:
        yield
    except ServiceUnavailable as error:
        cause = error.__cause__
        if _not_migrated(cause):
            raise fail(NOT_MIGRATED) from None
        reason = getattr(cause, "orig", None) or cause or error.detail
        raise fail(f"{error.detail}: {reason} (is it up?)") from None
    except DomainError as error:
        raise fail(error.detail) from None
    except BrokenPipeError:  # stdout's reader left (| head): the command's to handle
        raise
    except (DBAPIError, OSError) as error:
        if _not_migrated(error):
            raise fail(NOT_MIGRATED) from None
        reason = getattr(error, "orig", None) or error
        raise fail(f"database: {reason} (is it up?)") from None
    except Exception as error:  # the driver's own, for statements sent straight to it
        if _not_migrated(error):
            raise fail(NOT_MIGRATED) from None
        raise


NOT_MIGRATED = "the database is not migrated: run 'emporium db upgrade'"


def _not_migrated(error: BaseException | None) -> bool:
    """A table is missing: SQLite's "no such table", PostgreSQL's undefined_table (on
    the driver's error, or the one SQLAlchemy wraps)."""
    driver_error = getattr(error, "orig", None) or error
    sqlstate = getattr(driver_error, "sqlstate", None) or getattr(driver_error, "pgcode", None)
    return sqlstate == "42P01" or str(driver_error).startswith("no such table")


@contextmanager
def migrating() -> Iterator[None]:
    """``reported``, for Alembic's errors too."""
    from alembic.util.exc import CommandError

    with reported():
        try:
            yield
        except CommandError as error:
            raise fail(f"migrations: {error}") from None


def opened(config: "Settings", *, creating: bool = False) -> None:
    """Says which database a command opens when no setting named it (the default file
    in the working directory), and refuses to make one by accident: only ``db upgrade``
    and ``serve`` (``creating``) may."""
    if "database_url" in config.model_fields_set or not config.is_sqlite:
        return
    from sqlalchemy import make_url

    path = Path(make_url(config.database_url).database or "").resolve()
    if not path.exists() and not creating:
        raise fail(
            f"no database at {path} (EMPORIUM_DATABASE_URL is not set): set it, or run "
            "'emporium db upgrade' to make one here"
        )
    stderr.print(f"database: {path} (EMPORIUM_DATABASE_URL is not set)", highlight=False)


async def every_page(
    page: Callable[[P | None], Awaitable["Page[T, P]"]],
) -> AsyncIterator[Sequence[T]]:
    """The items of each page a list use case gives, ``page(after)`` for each, from the
    first (``after`` None) until none follows."""
    after: P | None = None
    while True:
        found = await page(after)
        yield found.items
        if found.next_after is None:
            return
        after = found.next_after


async def every_item(page: Callable[[P | None], Awaitable["Page[T, P]"]]) -> AsyncIterator[T]:
    """The items of every page, one by one (see ``every_page``)."""
    async for items in every_page(page):
        for item in items:
            yield item


# The columns that hold ids: shown whole on a terminal (never folded: they are copied
# from there into the next command), the others folded to fit.
ID_COLUMNS = frozenset({"id", "event", "subject", "target"})


def yes_no(flag: bool) -> str:
    return "yes" if flag else "no"


def print_items(
    items: Callable[["Container"], AsyncIterator[T]],
    columns: Sequence[str],
    row: Callable[[T], Sequence[str]],
    json_line: Callable[[T], str] | None = None,
) -> None:
    """Every item of a list command: with ``json_line``, one JSON document a line,
    streamed (no page is held but the current one); on a terminal a table; in a pipe a
    header, then one tab-separated line per item, whatever the width (ids are copied
    from there)."""
    table = json_line is None and sys.stdout.isatty()

    async def work(container: "Container") -> list[T]:
        kept = []
        if json_line is None and not table:
            typer.echo("\t".join(columns))
        async for item in items(container):
            if json_line is not None:
                typer.echo(json_line(item))
            elif table:
                kept.append(item)
            else:
                typer.echo("\t".join(row(item)))
        return kept

    found = run(work)
    if table:
        from rich.table import Column, Table

        rich_table = Table(
            *(
                Column(h, no_wrap=True, min_width=36)
                if h in ID_COLUMNS
                else Column(h, overflow="fold")
                for h in columns
            )
        )
        for item in found:
            rich_table.add_row(*row(item))
        stdout.print(rich_table)


def run(work: Callable[["Container"], Awaitable[T]]) -> T:
    """Runs one piece of work with the container's connections open. What it changes
    goes to the outbox as the operator's doing; a worker writes its audit lines."""
    from application.shared.outbox import Origin, origin
    from entrypoints.logs import configure_logging

    with _without("fastapi", "starlette", "werkzeug", "yaml"):
        from entrypoints.container import Container, running

    container = Container()
    configured = settings()
    opened(configured)
    container.core.settings.override(configured)
    configure_logging(configured)
    origin.set(Origin(actor="operator"))  # the audit trail's "who" for what it changes

    async def main() -> T:
        async with running(container):
            return await work(container)

    with reported():
        return asyncio.run(main())


@contextmanager
def _without(*packages: str) -> Iterator[None]:
    """Imports made meanwhile see ``packages`` as not installed, unless imported
    already. dependency-injector imports FastAPI, Starlette, Werkzeug and PyYAML when
    it can, for wiring and configuration features the container does not use: more
    than half a second of a command's start."""
    blocked = [package for package in packages if package not in sys.modules]
    for package in blocked:
        sys.modules[package] = None  # type: ignore[assignment]
    try:
        yield
    finally:
        for package in blocked:
            del sys.modules[package]


def call(use_case: Callable[["Container"], Callable[[C], Awaitable[T]]], command: C) -> T:
    """``run`` of one use case the container gives, on ``command``."""

    async def work(container: "Container") -> T:
        return await use_case(container)(command)

    return run(work)
