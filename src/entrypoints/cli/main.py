"""The admin CLI: the same use cases as the API, through the same container."""

import asyncio
import json
from collections.abc import AsyncIterator, Awaitable, Callable, Iterator
from contextlib import contextmanager
from typing import Annotated, Any, TypeVar

import pydantic
import typer
from alembic.util.exc import CommandError
from rich.console import Console
from rich.table import Column, Table
from sqlalchemy.exc import DBAPIError

from adapters.sqlalchemy import migrator
from application.ports import UserQuery
from application.users.admin import AdminAccount
from application.users.commands import UpdateUser
from domain.shared.errors import DomainError, ServiceUnavailable
from domain.users import Role, User
from entrypoints.container import Container, running
from entrypoints.logs import configure_cli_logging, logging_config
from entrypoints.settings import Settings

T = TypeVar("T")

app = typer.Typer(help="Emporium admin CLI.", no_args_is_help=True)
db_app = typer.Typer(help="Database migrations (Alembic).", no_args_is_help=True)
users_app = typer.Typer(help="Accounts.", no_args_is_help=True)
app.add_typer(db_app, name="db")
app.add_typer(users_app, name="users")

stdout = Console()
stderr = Console(stderr=True, soft_wrap=True)


def fail(message: str) -> typer.Exit:
    stderr.print(f"[red]error:[/red] {message}", highlight=False)
    return typer.Exit(1)


def settings() -> Settings:
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
    try:
        yield
    except ServiceUnavailable as error:
        cause = error.__cause__
        reason = getattr(cause, "orig", None) or cause or error.detail
        raise fail(
            f"{error.detail}: {reason} (is it up, and migrated with 'emporium db upgrade'?)"
        ) from None
    except DomainError as error:
        raise fail(error.detail) from None
    except CommandError as error:
        raise fail(f"migrations: {error}") from None
    except (DBAPIError, OSError) as error:
        reason = getattr(error, "orig", None) or error
        raise fail(
            f"database: {reason} (is it up, and migrated with 'emporium db upgrade'?)"
        ) from None


def run(work: Callable[[Container], Awaitable[T]]) -> T:
    """Runs one piece of work with the container's resources up."""
    container = Container()
    container.settings.override(settings())
    configure_cli_logging()  # the audit events of what the command changes, on stderr

    async def main() -> T:
        async with running(container):
            return await work(container)

    with reported():
        return asyncio.run(main())


@app.command()
def serve(
    host: Annotated[str, typer.Option(help="Interface to bind.")] = "127.0.0.1",
    port: Annotated[int, typer.Option(min=1, max=65535)] = 8000,
    workers: Annotated[int, typer.Option(min=1, help="Worker processes.")] = 1,
    reload: Annotated[bool, typer.Option(help="Restart on code changes (development).")] = False,
) -> None:
    """Run the API (uvicorn). On SQLite, pending migrations are applied first."""
    import uvicorn
    from uvicorn.config import LOGGING_CONFIG

    config = settings()  # fails fast on bad settings, and makes the dev key before workers
    if config.is_sqlite:
        with reported():
            migrator.upgrade(config.database_url)
    uvicorn.run(
        "entrypoints.api.app:app_from_environment",
        factory=True,
        host=host,
        port=port,
        workers=None if reload else workers,
        reload=reload,
        log_config=logging_config(LOGGING_CONFIG),
        access_log=config.access_log,
        proxy_headers=bool(config.trusted_proxies),
        forwarded_allow_ips=",".join(config.trusted_proxies) or None,
    )


@db_app.command("upgrade")
def db_upgrade(revision: Annotated[str, typer.Argument()] = "head") -> None:
    """Migrate the database up to REVISION (default: the newest)."""
    with reported():
        migrator.upgrade(settings().database_url, revision)


@db_app.command("downgrade")
def db_downgrade(revision: Annotated[str, typer.Argument(help="e.g. -1 or base")]) -> None:
    """Migrate the database down to REVISION."""
    with reported():
        migrator.downgrade(settings().database_url, revision)


@db_app.command("current")
def db_current() -> None:
    """Show the database's current revision."""
    with reported():
        migrator.current(settings().database_url)


@users_app.command("create-admin")
def create_admin(
    email: Annotated[str, typer.Option(help="The admin's email.")],
    password: Annotated[
        str,
        typer.Option(
            prompt=True, hide_input=True, confirmation_prompt=True, help="Prompted when left out."
        ),
    ],
    full_name: Annotated[str, typer.Option(help="Display name.")] = "Administrator",
) -> None:
    """Create an admin account. An existing active admin with that email is left as it is."""

    async def work(container: Container) -> AdminAccount:
        return await container.create_admin()(email, password, full_name)

    account = run(work)
    if account.created:
        stderr.print(f"Created admin {account.user.email} ({account.user.id}).")
    else:
        stderr.print(f"{account.user.email} is an active admin already; nothing changed.")


_COLUMNS = {
    "id": "id",
    "email": "email",
    "name": "full_name",
    "role": "role",
    "active": "is_active",
    "created": "created_at",
}


def _user_fields(user: User) -> dict[str, object]:
    return {
        "id": str(user.id),
        "email": user.email.value,
        "full_name": user.full_name,
        "role": user.role.value,
        "is_active": user.is_active,
        "created_at": user.created_at.isoformat().replace("+00:00", "Z"),
    }


async def _all_users(container: Container, role: Role | None) -> AsyncIterator[User]:
    list_users = container.list_users()
    after = None
    while True:
        page = await list_users(UserQuery(role=role, limit=100, after=after))
        for user in page.items:
            yield user
        if page.next_after is None:
            return
        after = page.next_after


@users_app.command("list")
def list_users(
    role: Annotated[Role | None, typer.Option(help="Only this role.")] = None,
    as_json: Annotated[bool, typer.Option("--json", help="JSON lines on stdout.")] = False,
) -> None:
    """List accounts, newest first."""

    async def work(container: Container) -> list[User]:
        kept = []
        async for user in _all_users(container, role):
            if as_json:  # streamed: JSON lines need no page but the current one
                typer.echo(json.dumps(_user_fields(user)))
            else:
                kept.append(user)
        return kept

    found = run(work)
    if as_json:
        return
    # Folded, never cut: operators copy ids and emails from this table.
    table = Table(*(Column(h, overflow="fold") for h in _COLUMNS))
    for user in found:
        fields = _user_fields(user)
        table.add_row(*(str(fields[key]) for key in _COLUMNS.values()))
    stdout.print(table)


def _update_by_email(email: str, change: Callable[[User], UpdateUser]) -> User:
    async def work(container: Container) -> User:
        user = await container.find_user_by_email()(email)
        return await container.update_user()(change(user))

    return run(work)


@users_app.command("set-role")
def set_role(email: str, role: Role) -> None:
    """Give the account EMAIL the role ROLE (the last active admin keeps theirs)."""
    user = _update_by_email(email, lambda u: UpdateUser(u.id, role=role))
    stderr.print(f"{user.email} is now {user.role.value}.")


@users_app.command("deactivate")
def deactivate(email: str) -> None:
    """Deactivate EMAIL: its sessions end at once (never the last active admin)."""
    user = _update_by_email(email, lambda u: UpdateUser(u.id, is_active=False))
    stderr.print(f"{user.email} is deactivated.")


@users_app.command("activate")
def activate(email: str) -> None:
    """Activate EMAIL again."""
    user = _update_by_email(email, lambda u: UpdateUser(u.id, is_active=True))
    stderr.print(f"{user.email} is active.")
