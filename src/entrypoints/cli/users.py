"""emporium users: accounts, through the same use cases as the API."""

import sys
from collections.abc import AsyncIterator, Callable
from typing import TYPE_CHECKING, Annotated

import typer

from domain.users import Role
from entrypoints.cli.common import every_item, fail, print_items, run, stderr, yes_no

if TYPE_CHECKING:
    from application.shared.actor import Actor
    from application.users.commands import AdminAccount, UpdateUser
    from domain.users import User
    from entrypoints.container import Container

app = typer.Typer(help="Accounts.", no_args_is_help=True)

_COLUMNS = ("id", "email", "name", "role", "active", "created")


def interactive() -> bool:
    return sys.stdin.isatty()


@app.command("create-admin")
def create_admin(
    email: Annotated[str, typer.Option(help="The admin's email.")],
    password: Annotated[
        str | None,
        typer.Option(
            envvar="EMPORIUM_ADMIN_PASSWORD",
            show_envvar=True,
            help="Visible to other users of the machine: prefer the variable, "
            "--password-stdin or the prompt (on a terminal, when all are left out).",
        ),
    ] = None,
    password_stdin: Annotated[
        bool, typer.Option("--password-stdin", help="Read the password from stdin's first line.")
    ] = False,
    full_name: Annotated[str, typer.Option(help="Display name.")] = "Administrator",
) -> None:
    """Create an admin account. An existing active admin with that email is left as it is."""
    from application.shared.actor import Actor
    from application.users.admin import CreateAdminHandler
    from application.users.commands import CreateAdmin

    if password_stdin:
        password = sys.stdin.readline().removesuffix("\n").removesuffix("\r")
    elif password is None:
        if not interactive():  # a script: no prompt that would wait forever
            raise fail("no password: pass --password-stdin or set EMPORIUM_ADMIN_PASSWORD")
        password = typer.prompt("Password", hide_input=True, confirmation_prompt=True)

    async def work(container: "Container") -> "AdminAccount":
        create: CreateAdminHandler = container.users.create_admin()
        return await create(CreateAdmin(Actor.operator(), email, password, full_name))

    account = run(work)
    if account.created:
        stderr.print(f"Created admin {account.user.email} ({account.user.id}).")
    else:
        stderr.print(f"{account.user.email} is an active admin already; nothing changed.")


def _row(user: "User") -> tuple[str, ...]:
    return (
        str(user.id),
        user.email.value,
        user.full_name,
        user.role.value,
        yes_no(user.is_active),
        user.created_at.isoformat().replace("+00:00", "Z"),
    )


def _all_users(container: "Container", role: Role | None) -> AsyncIterator["User"]:
    from application.shared.actor import Actor
    from application.users.commands import ListUsers

    list_users, operator = container.users.list_users(), Actor.operator()
    return every_item(lambda after: list_users(ListUsers(operator, role, limit=100, after=after)))


@app.command("list")
def list_users(
    role: Annotated[Role | None, typer.Option(help="Only this role.")] = None,
    as_json: Annotated[bool, typer.Option("--json", help="JSON lines on stdout.")] = False,
) -> None:
    """List accounts, newest first.

    A table on a terminal, tab-separated lines in a pipe, or with --json the API's user
    documents, one per line."""
    from entrypoints.documents import to_json, user_document

    print_items(
        lambda container: _all_users(container, role),
        _COLUMNS,
        _row,
        (lambda user: to_json(user_document(user)).decode()) if as_json else None,
    )


def _update_by_email(email: str, change: Callable[["Actor", "User"], "UpdateUser"]) -> "User":
    from application.shared.actor import Actor
    from application.users.admin import FindUserByEmailHandler, UpdateUserHandler
    from application.users.commands import FindUserByEmail

    async def work(container: "Container") -> "User":
        find: FindUserByEmailHandler = container.users.find_user_by_email()
        update: UpdateUserHandler = container.users.update_user()
        operator = Actor.operator()
        return await update(change(operator, await find(FindUserByEmail(operator, email))))

    return run(work)


@app.command("set-role")
def set_role(email: str, role: Role) -> None:
    """Give the account EMAIL the role ROLE (the last active admin keeps theirs)."""
    from application.users.commands import UpdateUser

    user = _update_by_email(email, lambda actor, u: UpdateUser(actor, u.id, role=role))
    stderr.print(f"{user.email} is now {user.role.value}.")


@app.command("deactivate")
def deactivate(email: str) -> None:
    """Deactivate EMAIL: its sessions end at once (never the last active admin)."""
    from application.users.commands import UpdateUser

    user = _update_by_email(email, lambda actor, u: UpdateUser(actor, u.id, is_active=False))
    stderr.print(f"{user.email} is deactivated.")


@app.command("activate")
def activate(email: str) -> None:
    """Activate EMAIL again."""
    from application.users.commands import UpdateUser

    user = _update_by_email(email, lambda actor, u: UpdateUser(actor, u.id, is_active=True))
    stderr.print(f"{user.email} is active.")


@app.command("unlock")
def unlock(email: str) -> None:
    """Let EMAIL sign in again at once.

    Forgets the failed sign-ins counted against it, from every address (the server
    shares the counts when Redis is set)."""
    from application.shared.actor import Actor
    from application.users.admin import UnlockUserHandler
    from application.users.commands import UnlockUser

    async def work(container: "Container") -> "User":
        unlock_user: UnlockUserHandler = container.users.unlock_user()
        return await unlock_user(UnlockUser(Actor.operator(), email))

    user = run(work)
    stderr.print(f"{user.email} may sign in again.", highlight=False)
