"""Who is calling: the bearer token to a user, on every request."""

from typing import Annotated

from fastapi import Depends, Request
from fastapi.security import OAuth2PasswordBearer

from application.users.commands import Authorize
from application.users.errors import NotAuthenticated
from application.users.sessions import AuthorizeAccess
from domain.shared.errors import Forbidden
from domain.users import Role, User
from entrypoints.api.dependencies import use
from entrypoints.container import Container

# tokenUrl makes the Swagger UI's Authorize button sign in with the password flow.
bearer = OAuth2PasswordBearer(tokenUrl="/api/v1/auth/token", auto_error=False)


async def current_user(
    token: Annotated[str | None, Depends(bearer)],
    authorize: Annotated[AuthorizeAccess, use(lambda c: c.users.authorize)],
) -> User:
    if not token:
        raise NotAuthenticated("Send 'Authorization: Bearer <access token>'")
    return await authorize(Authorize(token))


async def optional_user(
    request: Request, token: Annotated[str | None, Depends(bearer)]
) -> User | None:
    """Whoever is calling, on the routes anyone may call: ``None`` without a token; a bad
    token is refused all the same (the client should know). The use case is looked up
    only when there is a token: these routes are the hottest, and most callers are
    anonymous."""
    if not token:
        return None
    container: Container = request.app.state.container
    authorize: AuthorizeAccess = container.users.authorize()
    return await authorize(Authorize(token))


async def current_admin(user: Annotated[User, Depends(current_user)]) -> User:
    if user.role is not Role.ADMIN:
        raise Forbidden("Only admins may do this")
    return user


CurrentUser = Annotated[User, Depends(current_user)]
OptionalUser = Annotated[User | None, Depends(optional_user)]


def is_admin(user: User | None) -> bool:
    return user is not None and user.role is Role.ADMIN


def client_address(request: Request) -> str:
    """The caller's address, as the server saw it (behind a trusted proxy, uvicorn has
    already put the forwarded one in its place)."""
    return request.client.host if request.client else "unknown"
