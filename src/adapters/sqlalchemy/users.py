"""The accounts context in SQL: its tables, row mapping and repositories."""

from collections.abc import Callable, Collection, Mapping, Sequence
from datetime import datetime
from functools import cache
from typing import Any
from uuid import UUID

from sqlalchemy import (
    BindParameter,
    Boolean,
    CheckConstraint,
    Column,
    ColumnElement,
    ForeignKey,
    Index,
    Integer,
    Select,
    String,
    Table,
    Uuid,
    and_,
    bindparam,
    delete,
    func,
    insert,
    or_,
    select,
    update,
)
from sqlalchemy.exc import IntegrityError

from adapters.sqlalchemy.errors import violated_unique_constraint
from adapters.sqlalchemy.metadata import UtcDateTime, metadata
from adapters.sqlalchemy.queries import after_parameters, after_position, like_pattern
from adapters.sqlalchemy.statements import Repositories, Statements, one_of
from adapters.sqlalchemy.versions import save_versioned, versioned_update
from application.users.ports import UserQuery
from domain.shared.aggregate import Aggregate
from domain.users import Email, EmailTaken, RefreshToken, RevokeReason, Role, User

users = Table(
    "users",
    metadata,
    Column("id", Uuid, primary_key=True),
    Column("email", String(254), nullable=False, unique=True),
    Column("full_name", String(200), nullable=False),
    Column("password_hash", String(255), nullable=False),
    Column("role", String(16), nullable=False),
    Column("is_active", Boolean, nullable=False),
    Column("created_at", UtcDateTime, nullable=False),
    Column("credentials_version", Integer, nullable=False),
    Column("version", Integer, nullable=False),
    CheckConstraint("role IN ('customer', 'admin')", name="role"),
    # The admin list pages newest first, optionally by role.
    Index(None, "created_at", "id"),
    Index(None, "role", "created_at", "id"),
)

refresh_tokens = Table(
    "refresh_tokens",
    metadata,
    Column("id", Uuid, primary_key=True),
    Column(
        "user_id",
        Uuid,
        ForeignKey("users.id", ondelete="CASCADE"),
        nullable=False,
        index=True,
    ),
    Column("token_hash", String(64), nullable=False, unique=True),
    Column("issued_at", UtcDateTime, nullable=False),
    Column("expires_at", UtcDateTime, nullable=False),
    Column("revoked_at", UtcDateTime, nullable=True),
    Column("revoked_reason", String(16), nullable=True),
    CheckConstraint("revoked_reason IN ('logout', 'rotated', 'closed')", name="revoked_reason"),
)

_EMAIL_UNIQUE = "uq_users_email"


def _user_to_domain(row: Mapping[Any, Any]) -> User:
    return User(
        id=row["id"],
        email=Email(row["email"]),
        full_name=row["full_name"],
        password_hash=row["password_hash"],
        role=Role(row["role"]),
        is_active=row["is_active"],
        created_at=row["created_at"],
        credentials_version=row["credentials_version"],
        version=row["version"],
    )


def _user_to_row(user: User) -> dict[str, Any]:
    return {
        "id": user.id,
        "email": user.email.value,
        "full_name": user.full_name,
        "password_hash": user.password_hash,
        "role": user.role.value,
        "is_active": user.is_active,
        "created_at": user.created_at,
        "credentials_version": user.credentials_version,
        "version": user.version,
    }


def _token_to_domain(row: Mapping[Any, Any]) -> RefreshToken:
    reason = row["revoked_reason"]
    return RefreshToken(
        id=row["id"],
        user_id=row["user_id"],
        token_hash=row["token_hash"],
        issued_at=row["issued_at"],
        expires_at=row["expires_at"],
        revoked_at=row["revoked_at"],
        revoked_reason=RevokeReason(reason) if reason else None,
    )


def _token_to_row(token: RefreshToken) -> dict[str, Any]:
    return {
        "id": token.id,
        "user_id": token.user_id,
        "token_hash": token.token_hash,
        "issued_at": token.issued_at,
        "expires_at": token.expires_at,
        "revoked_at": token.revoked_at,
        "revoked_reason": token.revoked_reason,
    }


_INSERT_USER = insert(users)
# Every signed-in request reads its user: the hottest statement of all.
_USER_BY_ID = select(users).where(users.c.id == bindparam("user_id"))
_USER_BY_ID_FOR_UPDATE = _USER_BY_ID.with_for_update()
_USER_BY_EMAIL = select(users).where(users.c.email == bindparam("address"))
_USERS_BY_IDS = {
    dialect: select(users).where(condition).order_by(users.c.id)
    for dialect, condition in one_of(users.c.id, "ids").items()
}
_SAVE_USER = versioned_update(users)
# Row locks in id order (a fixed order: no deadlocks); SQLite has none to take and needs
# none, its write transactions run one at a time.
_LOCK_ACTIVE_ADMINS = (
    select(users.c.id)
    .where(users.c.role == Role.ADMIN.value, users.c.is_active.is_(True))
    .order_by(users.c.id)
    .with_for_update()
)


@cache
def _page_statement(role: bool, text: bool, after: bool) -> Select[Any]:
    """The admin list's page, newest first, for the filters given (one statement each)."""
    conditions: list[ColumnElement[bool]] = []
    if role:
        conditions.append(users.c.role == bindparam("role"))
    if text:
        pattern: BindParameter[str] = bindparam("text")
        conditions.append(
            or_(
                users.c.email.like(pattern, escape="\\"),
                func.lower(users.c.full_name).like(pattern, escape="\\"),
            )
        )
    order = (users.c.created_at, users.c.id)
    if after:
        conditions.append(after_position(order, descending=True))
    newest_first = [column.desc() for column in order]
    return (
        select(users)
        .where(and_(True, *conditions))
        .order_by(*newest_first)
        .limit(bindparam("limit"))
    )


def _page_parameters(query: UserQuery) -> dict[str, Any]:
    parameters: dict[str, Any] = {"limit": query.limit}
    if query.role is not None:
        parameters["role"] = query.role.value
    if query.text:
        parameters["text"] = like_pattern(query.text.lower())
    if query.after is not None:
        parameters |= after_parameters(query.after)
    return parameters


class SqlUserRepository:
    """``track`` hands every user read or written to the unit of work, which publishes
    their events after commit."""

    def __init__(self, statements: Statements, track: Callable[[Aggregate], None]) -> None:
        self._statements, self._track = statements, track

    async def add(self, user: User) -> None:
        try:
            await self._statements.execute(_INSERT_USER, _user_to_row(user))
        except IntegrityError as error:
            if violated_unique_constraint(error, users) == _EMAIL_UNIQUE:
                raise EmailTaken(f"{user.email} is registered already") from None
            raise
        self._track(user)

    async def get(self, user_id: UUID, *, for_update: bool = False) -> User | None:
        statement = _USER_BY_ID_FOR_UPDATE if for_update else _USER_BY_ID
        return self._found(await self._statements.row(statement, {"user_id": user_id}))

    async def get_many(self, user_ids: Collection[UUID]) -> Sequence[User]:
        statement = _USERS_BY_IDS[self._statements.dialect]
        rows = await self._statements.rows(statement, {"ids": list(set(user_ids))})
        return [user for row in rows if (user := self._found(row))]

    async def get_by_email(self, email: Email) -> User | None:
        return self._found(await self._statements.row(_USER_BY_EMAIL, {"address": email.value}))

    async def save(self, user: User) -> None:
        await save_versioned(
            self._statements, _SAVE_USER, [user], _user_to_row, self._track, "account"
        )

    async def count_active_admins(self) -> int:
        return len(await self._statements.rows(_LOCK_ACTIVE_ADMINS))

    async def list(self, query: UserQuery) -> Sequence[User]:
        statement = _page_statement(
            query.role is not None, bool(query.text), query.after is not None
        )
        rows = await self._statements.rows(statement, _page_parameters(query))
        return [user for row in rows if (user := self._found(row))]

    def _found(self, row: Mapping[Any, Any] | None) -> User | None:
        if row is None:
            return None
        user = _user_to_domain(row)
        self._track(user)
        return user


_INSERT_TOKEN = insert(refresh_tokens)
_TOKEN_BY_HASH = select(refresh_tokens).where(refresh_tokens.c.token_hash == bindparam("digest"))
_REVOKE = update(refresh_tokens).values(
    revoked_at=bindparam("now"), revoked_reason=bindparam("reason")
)
# Conditional: of two concurrent uses of one token, exactly one revokes it.
_REVOKE_TOKEN = _REVOKE.where(
    refresh_tokens.c.id == bindparam("token_id"), refresh_tokens.c.revoked_at.is_(None)
)
_REVOKE_ALL = _REVOKE.where(
    refresh_tokens.c.user_id == bindparam("owner"), refresh_tokens.c.revoked_at.is_(None)
)
_DELETE_EXPIRED = delete(refresh_tokens).where(
    refresh_tokens.c.user_id == bindparam("owner"),
    refresh_tokens.c.expires_at <= bindparam("now"),
)


class SqlRefreshTokenRepository:
    def __init__(self, statements: Statements, _track: Callable[[Aggregate], None]) -> None:
        self._statements = statements

    async def add(self, token: RefreshToken) -> None:
        await self._statements.execute(_INSERT_TOKEN, _token_to_row(token))

    async def get_by_hash(self, token_hash: str) -> RefreshToken | None:
        row = await self._statements.row(_TOKEN_BY_HASH, {"digest": token_hash})
        return _token_to_domain(row) if row else None

    async def revoke(self, token_id: UUID, now: datetime, reason: RevokeReason) -> bool:
        parameters = {"token_id": token_id, "now": now, "reason": reason.value}
        return await self._statements.execute(_REVOKE_TOKEN, parameters) == 1

    async def revoke_all_for_user(self, user_id: UUID, now: datetime) -> None:
        parameters = {"owner": user_id, "now": now, "reason": RevokeReason.CLOSED.value}
        await self._statements.execute(_REVOKE_ALL, parameters)

    async def delete_expired_for_user(self, user_id: UUID, now: datetime) -> None:
        await self._statements.execute(_DELETE_EXPIRED, {"owner": user_id, "now": now})


REPOSITORIES: Repositories = {
    "users": SqlUserRepository,
    "refresh_tokens": SqlRefreshTokenRepository,
}
