from typing import Annotated

from dependency_injector.wiring import Provide, inject
from fastapi import APIRouter, Depends, Form, Request, Response, status

from application.users.accounts import RegisterUser
from application.users.commands import Register, SignIn, TokenPair
from application.users.sessions import Authenticate, Logout, RefreshSession
from entrypoints.api.problems import problem_responses
from entrypoints.api.schemas.users import RefreshIn, RegisterIn, TokenOut, UserOut
from entrypoints.api.security import client_address
from entrypoints.container import Container

router = APIRouter(prefix="/auth", tags=["auth"], responses=problem_responses(413, 422))


def _token_out(pair: TokenPair) -> TokenOut:
    return TokenOut(
        access_token=pair.access_token,
        expires_in=pair.expires_in,
        refresh_token=pair.refresh_token,
    )


@router.post(
    "/register",
    status_code=status.HTTP_201_CREATED,
    responses=problem_responses(409),
    summary="Create a customer account",
)
@inject
async def register(
    body: RegisterIn,
    register_user: Annotated[RegisterUser, Depends(Provide[Container.register_user])],
) -> UserOut:
    user = await register_user(Register(body.email, body.password, body.full_name))
    return UserOut.of(user)


@router.post(
    "/token",
    responses=problem_responses(401, 429),
    summary="Sign in (OAuth2 password flow: username is the email)",
)
@inject
async def token(
    request: Request,
    # The OAuth2 password form (what Swagger's Authorize sends), with bounds: the
    # username keys the login throttle, so it must not be a megabyte long.
    username: Annotated[str, Form(max_length=320, description="the email")],
    password: Annotated[str, Form(max_length=1024)],
    authenticate: Annotated[Authenticate, Depends(Provide[Container.authenticate])],
    grant_type: Annotated[str | None, Form(pattern="^password$")] = None,
) -> TokenOut:
    return _token_out(await authenticate(SignIn(username, password, client_address(request))))


@router.post("/refresh", responses=problem_responses(401), summary="Rotate a refresh token")
@inject
async def refresh(
    body: RefreshIn,
    refresh_session: Annotated[RefreshSession, Depends(Provide[Container.refresh_session])],
) -> TokenOut:
    return _token_out(await refresh_session(body.refresh_token))


@router.post("/logout", status_code=status.HTTP_204_NO_CONTENT, summary="Revoke a refresh token")
@inject
async def logout(
    body: RefreshIn,
    logout_: Annotated[Logout, Depends(Provide[Container.logout])],
) -> Response:
    await logout_(body.refresh_token)
    return Response(status_code=status.HTTP_204_NO_CONTENT)
