from typing import Annotated

from fastapi import Depends, Form, Request, Response, status
from fastapi.exceptions import RequestValidationError

from adapters.audit import log_security
from application.users.accounts import RegisterHandler
from application.users.commands import Refresh, Register, SignIn, SignOut, TokenPair
from application.users.errors import InvalidCredentials, InvalidToken
from application.users.sessions import RefreshHandler, SignInHandler, SignOutHandler
from domain.shared.errors import RateLimited
from domain.users import EmailTaken
from entrypoints.api.dependencies import use
from entrypoints.api.limits import per_client
from entrypoints.api.problems import raises
from entrypoints.api.responses import JsonResponse
from entrypoints.api.routes import API_PREFIX, api_router
from entrypoints.api.schemas.users import RefreshIn, RegisterIn, TokenOut, UserOut
from entrypoints.api.security import client_address
from entrypoints.documents import user_document

router = api_router(f"{API_PREFIX}/auth", tags=["auth"])


def _token_out(pair: TokenPair) -> TokenOut:
    return TokenOut(
        access_token=pair.access_token,
        expires_in=pair.expires_in,
        refresh_token=pair.refresh_token,
    )


@router.post(
    "/register",
    status_code=status.HTTP_201_CREATED,
    dependencies=[per_client("register")],
    response_model=UserOut,
    responses=raises(EmailTaken, RateLimited),
    summary="Create a customer account",
)
async def register(
    body: RegisterIn,
    register_user: Annotated[RegisterHandler, use(lambda c: c.users.register)],
) -> JsonResponse:
    user = await register_user(Register(body.email, body.password, body.full_name))
    return JsonResponse(user_document(user), status.HTTP_201_CREATED)


_FORMS = ("application/x-www-form-urlencoded", "multipart/form-data")


async def _form_encoded(request: Request) -> None:
    """A JSON body (the usual mistake) is told what to send instead of two missing
    fields."""
    if not request.headers.get("content-type", "").startswith(_FORMS):
        raise RequestValidationError(
            [
                {
                    "loc": ("body",),
                    "msg": "Sign in with a form-encoded body (application/x-www-form-"
                    "urlencoded): username (the email) and password, as OAuth2 has it",
                    "type": "form_required",
                }
            ]
        )


@router.post(
    "/token",
    responses=raises(InvalidCredentials, RateLimited),
    dependencies=[Depends(_form_encoded)],
    summary="Sign in (OAuth2 password flow: username is the email)",
)
async def token(
    request: Request,
    # The OAuth2 password form (what Swagger's Authorize sends), with bounds: the
    # username keys the login throttle, so it must not be a megabyte long.
    username: Annotated[str, Form(min_length=1, max_length=320, description="the email")],
    password: Annotated[str, Form(min_length=1, max_length=1024)],
    sign_in: Annotated[SignInHandler, use(lambda c: c.users.sign_in)],
    grant_type: Annotated[str | None, Form(pattern="^password$")] = None,
) -> TokenOut:
    client = client_address(request)
    try:
        return _token_out(await sign_in(SignIn(username, password, client)))
    except InvalidCredentials:
        log_security("sign_in_failed", request.state.request_id, client, email=username)
        raise


@router.post(
    "/refresh",
    dependencies=[per_client("refresh")],
    responses=raises(InvalidToken, RateLimited),
    summary="Rotate a refresh token",
)
async def refresh(
    body: RefreshIn,
    refresh_session: Annotated[RefreshHandler, use(lambda c: c.users.refresh)],
) -> TokenOut:
    return _token_out(await refresh_session(Refresh(body.refresh_token)))


@router.post("/logout", status_code=status.HTTP_204_NO_CONTENT, summary="Revoke a refresh token")
async def logout(
    body: RefreshIn,
    sign_out: Annotated[SignOutHandler, use(lambda c: c.users.sign_out)],
) -> Response:
    await sign_out(SignOut(body.refresh_token))
    return Response(status_code=status.HTTP_204_NO_CONTENT)
