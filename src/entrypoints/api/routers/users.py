from typing import Annotated
from uuid import UUID

from fastapi import Request, Response, status

from application.users.accounts import ChangePasswordHandler, UpdateProfileHandler
from application.users.admin import GetUserHandler, ListUsersHandler, UpdateUserHandler
from application.users.commands import (
    ChangePassword,
    GetUser,
    ListUsers,
    UpdateProfile,
    UpdateUser,
)
from application.users.errors import InvalidCredentials
from domain.shared.errors import ConcurrentUpdate, Forbidden, NotFound, RateLimited
from domain.users import LastAdmin
from entrypoints.api.dependencies import Cursors, use
from entrypoints.api.pagination import NEXT_LINK, page_response
from entrypoints.api.problems import raises
from entrypoints.api.query import query_string
from entrypoints.api.responses import JsonResponse
from entrypoints.api.routes import API_PREFIX, api_router
from entrypoints.api.schemas.users import (
    ChangePasswordIn,
    UpdateMeIn,
    UpdateUserIn,
    UserListIn,
    UserOut,
    UserPageOut,
)
from entrypoints.api.security import CurrentActor, CurrentUser, client_address
from entrypoints.cursors import moment
from entrypoints.documents import user_document

router = api_router(f"{API_PREFIX}/users", tags=["users"])
# Every route of this one is for admins only (the use cases check): documented once.
admin_router = api_router(f"{API_PREFIX}/users", tags=["users"], responses=raises(Forbidden))


@router.get("/me", response_model=UserOut, summary="The signed-in user")
async def read_me(user: CurrentUser) -> JsonResponse:
    return JsonResponse(user_document(user))


@router.patch(
    "/me",
    response_model=UserOut,
    summary="Update one's own profile (fields left out stay as they are)",
)
async def update_me(
    body: UpdateMeIn,
    user: CurrentUser,
    update_profile: Annotated[UpdateProfileHandler, use(lambda c: c.users.update_profile)],
) -> JsonResponse:
    return JsonResponse(user_document(await update_profile(UpdateProfile(user.id, body.full_name))))


@router.post(
    "/me/password",
    status_code=status.HTTP_204_NO_CONTENT,
    responses=raises(InvalidCredentials, RateLimited),
    summary="Change one's password; signs out every session",
)
async def change_my_password(
    request: Request,
    body: ChangePasswordIn,
    user: CurrentUser,
    change_password: Annotated[ChangePasswordHandler, use(lambda c: c.users.change_password)],
) -> Response:
    await change_password(
        ChangePassword(user.id, body.current_password, body.new_password, client_address(request))
    )
    return Response(status_code=status.HTTP_204_NO_CONTENT)


_USERS = "users"  # the scope of the list's cursors


@admin_router.get(
    "",
    response_model=UserPageOut,
    responses=NEXT_LINK,
    summary="List users, newest first (admins)",
)
async def list_users(
    request: Request,
    actor: CurrentActor,
    list_users: Annotated[ListUsersHandler, use(lambda c: c.users.list_users)],
    cursors: Cursors,
    query: Annotated[UserListIn, query_string(UserListIn)],
) -> JsonResponse:
    after = cursors.decode(query.cursor, _USERS, moment)
    page = await list_users(ListUsers(actor, query.role, query.q, query.limit, after))
    items = [user_document(u) for u in page.items]
    return page_response(request, items, cursors.encode(page.next_after, _USERS))


@admin_router.get(
    "/{user_id}", response_model=UserOut, responses=raises(NotFound), summary="One user (admins)"
)
async def read_user(
    user_id: UUID,
    actor: CurrentActor,
    get_user: Annotated[GetUserHandler, use(lambda c: c.users.get_user)],
) -> JsonResponse:
    return JsonResponse(user_document(await get_user(GetUser(actor, user_id))))


@admin_router.patch(
    "/{user_id}",
    response_model=UserOut,
    responses=raises(NotFound, LastAdmin, ConcurrentUpdate),
    summary="Change a user's role or activation (admins)",
)
async def update_user(
    user_id: UUID,
    body: UpdateUserIn,
    actor: CurrentActor,
    update_user: Annotated[UpdateUserHandler, use(lambda c: c.users.update_user)],
) -> JsonResponse:
    user = await update_user(UpdateUser(actor, user_id, body.role, body.is_active))
    return JsonResponse(user_document(user))
