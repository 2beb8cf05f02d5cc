from datetime import datetime
from typing import Annotated, Literal
from uuid import UUID

from pydantic import AfterValidator, BaseModel, ConfigDict, Field, StrictBool

from domain.shared.errors import InvalidValue
from domain.shared.text import BIDI_CLASS, CONTROL_CLASS, INVISIBLE_CLASS
from domain.users import Email, Role
from domain.users.email import MAX_LENGTH as EMAIL_MAX_LENGTH
from domain.users.email import MAX_LOCAL_LENGTH as EMAIL_MAX_LOCAL_LENGTH
from domain.users.password import MAX_LENGTH as PASSWORD_MAX
from domain.users.password import MIN_LENGTH as PASSWORD_MIN
from domain.users.user import FULL_NAME_MAX_LENGTH
from entrypoints.api.schemas.common import VISIBLE_TEXT_PATTERN, PageIn, RequestBody, search


def _email(value: str) -> str:
    try:
        return Email.parse(value).value
    except InvalidValue as error:
        raise ValueError(error.detail) from None


_HIDDEN = rf"\s@{CONTROL_CLASS}{BIDI_CLASS}{INVISIBLE_CLASS}"
EmailField = Annotated[
    str,
    Field(
        max_length=EMAIL_MAX_LENGTH,
        pattern=rf"^[^{_HIDDEN}]{{1,{EMAIL_MAX_LOCAL_LENGTH}}}@[^{_HIDDEN}]+\.[^{_HIDDEN}.]+$",
        # Beyond what a pattern can say (hence a format of its own): compared after NFKC
        # case folding, no unassigned or private-use characters, one script per label.
        json_schema_extra={"format": "emporium-email"},
        description=(
            "Compared after NFKC case folding (so look-alike spellings are one address). "
            "Refused: unassigned or private-use characters, and a part that mixes scripts, "
            "such as a Cyrillic letter among Latin ones."
        ),
        examples=["ada@example.com"],
    ),
    AfterValidator(_email),
]
NewPassword = Annotated[str, Field(min_length=PASSWORD_MIN, max_length=PASSWORD_MAX)]
FullName = Annotated[
    str,
    Field(
        min_length=1,
        max_length=FULL_NAME_MAX_LENGTH,
        pattern=VISIBLE_TEXT_PATTERN,
        examples=["Ada Lovelace"],
    ),
]


class RegisterIn(RequestBody):
    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "email": "ada@example.com",
                    "password": "correct horse battery",
                    "full_name": "Ada Lovelace",
                }
            ]
        }
    )

    email: EmailField
    password: NewPassword
    full_name: FullName


class UpdateMeIn(RequestBody):
    """A partial update: a field left out (or null) stays as it is."""

    model_config = ConfigDict(json_schema_extra={"examples": [{"full_name": "Ada King"}]})

    full_name: FullName | None = None


class ChangePasswordIn(RequestBody):
    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "current_password": "correct horse battery",
                    "new_password": "a longer passphrase still",
                }
            ]
        }
    )

    current_password: Annotated[str, Field(min_length=1, max_length=1024)]
    new_password: NewPassword


class UpdateUserIn(RequestBody):
    model_config = ConfigDict(json_schema_extra={"examples": [{"role": "admin"}]})

    role: Role | None = None
    is_active: StrictBool | None = None


class RefreshIn(RequestBody):
    model_config = ConfigDict(
        json_schema_extra={
            "examples": [{"refresh_token": "the refresh_token of the last answer of /auth/token"}]
        }
    )

    refresh_token: Annotated[str, Field(min_length=1, max_length=512)]


class TokenOut(BaseModel):
    access_token: str
    token_type: Literal["bearer"] = "bearer"  # noqa: S105 (a scheme name, not a secret)
    expires_in: int = Field(description="seconds until the access token expires")
    refresh_token: str


class UserOut(BaseModel):
    """The schema of ``entrypoints.documents.user_document``."""

    id: UUID
    email: str
    full_name: str
    role: Role
    is_active: bool
    created_at: datetime


class UserPageOut(BaseModel):
    items: list[UserOut]
    next_cursor: str | None


class UserListIn(PageIn):
    role: Role | None = None
    q: Annotated[str | None, search("in email or name")] = None
