"""Who is calling: the bearer token to a user, on every request."""

from typing import Annotated

from dependency_injector.wiring import Provide, inject
from fastapi import Depends, Request
from fastapi.security import OAuth2PasswordBearer

from application.errors import Forbidden, NotAuthenticated
from application.users.sessions import AuthorizeAccess
from domain.users import Role, User
from entrypoints.container import Container

# tokenUrl makes the Swagger UI's Authorize button sign in with the password flow.
bearer = OAuth2PasswordBearer(tokenUrl="/api/v1/auth/token", auto_error=False)


@inject
async def current_user(
    token: Annotated[str | None, Depends(bearer)],
    authorize: Annotated[AuthorizeAccess, Depends(Provide[Container.authorize_access])],
) -> User:
    if not token:
        raise NotAuthenticated("Send 'Authorization: Bearer <access token>'")
    return await authorize(token)


async def current_admin(user: Annotated[User, Depends(current_user)]) -> User:
    if user.role is not Role.ADMIN:
        raise Forbidden("Only admins may do this")
    return user


CurrentUser = Annotated[User, Depends(current_user)]
CurrentAdmin = Annotated[User, Depends(current_admin)]


def client_address(request: Request) -> str:
    """The caller's address, as the server saw it (behind a trusted proxy, uvicorn has
    already put the forwarded one in its place)."""
    return request.client.host if request.client else "unknown"
