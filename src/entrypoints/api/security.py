"""Who is calling: the bearer token to a user, and the user to the ``Actor`` the use
cases judge, on every request."""

from typing import Annotated

from fastapi import Depends, Request
from fastapi.security import OAuth2PasswordBearer

from application.shared.actor import Actor
from application.shared.outbox import Origin, origin
from application.users.commands import Authorize
from application.users.errors import NotAuthenticated
from application.users.sessions import AuthorizeHandler
from domain.users import Role, User
from entrypoints.container import Container

# tokenUrl makes the Swagger UI's Authorize button sign in with the password flow.
bearer = OAuth2PasswordBearer(
    tokenUrl="/api/v1/auth/token",
    auto_error=False,
    description="Sign in with your **email** as the username, and your password.",
)
# An operation's ``openapi_extra`` when anyone may call it, signed in or not: the
# document makes its token optional.
SIGN_IN_OPTIONAL = {"x-sign-in": "optional"}
# The bearer token, if one was sent: what every caller dependency reads.
BearerToken = Annotated[str | None, Depends(bearer)]


async def current_user(request: Request, token: BearerToken) -> User:
    if not token:
        raise NotAuthenticated("Send 'Authorization: Bearer <access token>'")
    return await _authorize(request, token)


CurrentUser = Annotated[User, Depends(current_user)]


async def current_actor(request: Request, token: BearerToken) -> Actor:
    return _actor(await current_user(request, token))


async def optional_actor(request: Request, token: BearerToken) -> Actor:
    """Whoever is calling, on the routes anyone may call: anonymous without a token; a bad
    token is refused all the same (the client should know)."""
    if not token:
        return _ANONYMOUS
    return _actor(await _authorize(request, token))


async def _authorize(request: Request, token: str) -> User:
    """The token's user. The use case is taken from the container here rather than as a
    dependency of its own: every signed-in request passes this way, and FastAPI's cost
    grows with each dependency a route declares."""
    container: Container = request.app.state.container
    authorize: AuthorizeHandler = container.users.authorize()
    user = await authorize(Authorize(token))
    origin.set(Origin(request_id=request.state.request_id, actor=str(user.id)))
    return user


def _actor(user: User) -> Actor:
    return Actor(user.id, user.role is Role.ADMIN)


_ANONYMOUS = Actor.anonymous()
CurrentActor = Annotated[Actor, Depends(current_actor)]


def client_address(request: Request) -> str:
    """The caller's address, as the server saw it (behind a trusted proxy, uvicorn has
    already put the forwarded one in its place)."""
    return request.client.host if request.client else "unknown"
