from typing import Annotated
from uuid import UUID

from dependency_injector.wiring import Provide, inject
from fastapi import APIRouter, Depends, Query, Request, Response, status

from application.ports import UserQuery
from application.users.accounts import ChangeOwnPassword, UpdateOwnProfile
from application.users.admin import GetUser, ListUsers, UpdateUserAsAdmin
from application.users.commands import ChangePassword, UpdateProfile, UpdateUser
from domain.users import Role
from entrypoints.api.pagination import CursorCodec
from entrypoints.api.problems import problem_responses
from entrypoints.api.schemas.users import (
    ChangePasswordIn,
    UpdateMeIn,
    UpdateUserIn,
    UserOut,
    UserPageOut,
)
from entrypoints.api.security import CurrentAdmin, CurrentUser, client_address
from entrypoints.container import Container

router = APIRouter(prefix="/users", tags=["users"], responses=problem_responses(401, 413, 422))


@router.get("/me", summary="The signed-in user")
async def read_me(user: CurrentUser) -> UserOut:
    return UserOut.of(user)


@router.patch("/me", summary="Update one's own profile")
@inject
async def update_me(
    body: UpdateMeIn,
    user: CurrentUser,
    update_profile: Annotated[UpdateOwnProfile, Depends(Provide[Container.update_profile])],
) -> UserOut:
    return UserOut.of(await update_profile(UpdateProfile(user.id, body.full_name)))


@router.post(
    "/me/password",
    status_code=status.HTTP_204_NO_CONTENT,
    summary="Change one's password; signs out every session",
)
@inject
async def change_my_password(
    request: Request,
    body: ChangePasswordIn,
    user: CurrentUser,
    change_password: Annotated[ChangeOwnPassword, Depends(Provide[Container.change_password])],
) -> Response:
    await change_password(
        ChangePassword(user.id, body.current_password, body.new_password, client_address(request))
    )
    return Response(status_code=status.HTTP_204_NO_CONTENT)


@router.get("", responses=problem_responses(400, 403), summary="List users (admins)")
@inject
async def list_users(
    _: CurrentAdmin,
    list_users_: Annotated[ListUsers, Depends(Provide[Container.list_users])],
    cursors: Annotated[CursorCodec, Depends(Provide[Container.cursors])],
    role: Role | None = None,
    q: Annotated[
        str | None,
        Query(max_length=200, pattern=r"^[^\x00-\x1f\x7f]*$", description="in email or name"),
    ] = None,
    limit: Annotated[int, Query(ge=1, le=100)] = 20,
    cursor: Annotated[str | None, Query(max_length=512)] = None,
) -> UserPageOut:
    page = await list_users_(UserQuery(role, q, limit, cursors.decode(cursor)))
    return UserPageOut(
        items=[UserOut.of(u) for u in page.items], next_cursor=cursors.encode(page.next_after)
    )


@router.get("/{user_id}", responses=problem_responses(403, 404), summary="One user (admins)")
@inject
async def read_user(
    user_id: UUID,
    _: CurrentAdmin,
    get_user: Annotated[GetUser, Depends(Provide[Container.get_user])],
) -> UserOut:
    return UserOut.of(await get_user(user_id))


@router.patch(
    "/{user_id}",
    responses=problem_responses(403, 404, 409),
    summary="Change a user's role or activation (admins)",
)
@inject
async def update_user(
    user_id: UUID,
    body: UpdateUserIn,
    _: CurrentAdmin,
    update_user_: Annotated[UpdateUserAsAdmin, Depends(Provide[Container.update_user])],
) -> UserOut:
    return UserOut.of(await update_user_(UpdateUser(user_id, body.role, body.is_active)))
