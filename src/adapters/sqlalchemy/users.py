"""The accounts context in SQL: its tables, row mapping and repositories."""

from collections.abc import Callable, Mapping, Sequence
from datetime import datetime
from typing import Any
from uuid import UUID

from sqlalchemy import (
    Boolean,
    CheckConstraint,
    Column,
    ForeignKey,
    Index,
    Integer,
    Row,
    String,
    Table,
    Uuid,
    and_,
    delete,
    func,
    insert,
    or_,
    select,
    tuple_,
    update,
)
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncConnection

from adapters.sqlalchemy.errors import violated_unique_constraint
from adapters.sqlalchemy.metadata import UtcDateTime, metadata
from application.users.commands import ListUsers
from domain.shared.aggregate import Aggregate
from domain.shared.errors import ConcurrentUpdate
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


# The hottest read of all (every signed-in request loads its user): on PostgreSQL it is a
# prepared statement on the pooled asyncpg connection, the expression layer skipped. It
# cost 360 us through SQLAlchemy Core and costs about 130 us this way.
_COLUMNS = ", ".join(column.name for column in users.columns)
_USER_BY_ID = f"SELECT {_COLUMNS} FROM users WHERE id = $1"  # noqa: S608 (no input in it)


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


def _token_to_domain(row: Row[Any]) -> RefreshToken:
    return RefreshToken(
        id=row.id,
        user_id=row.user_id,
        token_hash=row.token_hash,
        issued_at=row.issued_at,
        expires_at=row.expires_at,
        revoked_at=row.revoked_at,
        revoked_reason=RevokeReason(row.revoked_reason) if row.revoked_reason else None,
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


def _like(text: str) -> str:
    escaped = text.lower().replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return f"%{escaped}%"


class SqlUserRepository:
    """``track`` hands every user read or written to the unit of work, which publishes
    their events after commit. ``driver``, on PostgreSQL, is the asyncpg connection under
    ``conn`` (the same connection and transaction), for the hot read."""

    def __init__(
        self, conn: AsyncConnection, track: Callable[[Aggregate], None], driver: Any = None
    ) -> None:
        self._conn, self._track, self._driver = conn, track, driver

    async def add(self, user: User) -> None:
        try:
            await self._conn.execute(insert(users).values(_user_to_row(user)))
        except IntegrityError as error:
            if violated_unique_constraint(error, users) == _EMAIL_UNIQUE:
                raise EmailTaken(f"{user.email} is registered already") from None
            raise
        self._track(user)

    async def get(self, user_id: UUID, *, for_update: bool = False) -> User | None:
        if self._driver is not None and not for_update:
            return self._found(await self._driver.fetchrow(_USER_BY_ID, user_id))
        query = select(users).where(users.c.id == user_id)
        if for_update:
            query = query.with_for_update()
        return self._found((await self._conn.execute(query)).mappings().one_or_none())

    async def get_by_email(self, email: Email) -> User | None:
        query = select(users).where(users.c.email == email.value)
        return self._found((await self._conn.execute(query)).mappings().one_or_none())

    async def save(self, user: User) -> None:
        values = _user_to_row(user) | {"version": user.version + 1}
        del values["id"], values["created_at"]
        result = await self._conn.execute(
            update(users)
            .where(users.c.id == user.id, users.c.version == user.version)
            .values(values)
        )
        if result.rowcount != 1:
            raise ConcurrentUpdate("The account changed meanwhile; try again")
        user.version += 1
        self._track(user)

    async def count_active_admins(self) -> int:
        # Row locks in id order (a fixed order: no deadlocks); SQLite has none to take
        # and needs none, its write transactions run one at a time.
        query = (
            select(users.c.id)
            .where(users.c.role == Role.ADMIN.value, users.c.is_active.is_(True))
            .order_by(users.c.id)
            .with_for_update()
        )
        return len((await self._conn.execute(query)).all())

    async def list(self, query: ListUsers) -> Sequence[User]:
        conditions = []
        if query.role is not None:
            conditions.append(users.c.role == query.role.value)
        if query.text:
            pattern = _like(query.text)
            conditions.append(
                or_(
                    users.c.email.like(pattern, escape="\\"),
                    func.lower(users.c.full_name).like(pattern, escape="\\"),
                )
            )
        if query.after is not None:
            conditions.append(tuple_(users.c.created_at, users.c.id) < tuple_(*query.after))
        statement = (
            select(users)
            .where(and_(True, *conditions))
            .order_by(users.c.created_at.desc(), users.c.id.desc())
            .limit(query.limit)
        )
        found = [_user_to_domain(row) for row in (await self._conn.execute(statement)).mappings()]
        for user in found:
            self._track(user)
        return found

    def _found(self, row: Mapping[Any, Any] | None) -> User | None:
        if row is None:
            return None
        user = _user_to_domain(row)
        self._track(user)
        return user


class SqlRefreshTokenRepository:
    def __init__(self, conn: AsyncConnection) -> None:
        self._conn = conn

    async def add(self, token: RefreshToken) -> None:
        await self._conn.execute(insert(refresh_tokens).values(_token_to_row(token)))

    async def get_by_hash(self, token_hash: str) -> RefreshToken | None:
        row = (
            await self._conn.execute(
                select(refresh_tokens).where(refresh_tokens.c.token_hash == token_hash)
            )
        ).one_or_none()
        return _token_to_domain(row) if row else None

    async def revoke(self, token_id: UUID, now: datetime, reason: RevokeReason) -> bool:
        # Conditional: of two concurrent uses of one token, exactly one revokes it.
        result = await self._conn.execute(
            update(refresh_tokens)
            .where(refresh_tokens.c.id == token_id, refresh_tokens.c.revoked_at.is_(None))
            .values(revoked_at=now, revoked_reason=reason)
        )
        return result.rowcount == 1

    async def revoke_all_for_user(self, user_id: UUID, now: datetime) -> None:
        await self._conn.execute(
            update(refresh_tokens)
            .where(refresh_tokens.c.user_id == user_id, refresh_tokens.c.revoked_at.is_(None))
            .values(revoked_at=now, revoked_reason=RevokeReason.CLOSED)
        )

    async def delete_expired_for_user(self, user_id: UUID, now: datetime) -> None:
        await self._conn.execute(
            delete(refresh_tokens).where(
                refresh_tokens.c.user_id == user_id, refresh_tokens.c.expires_at <= now
            )
        )
