from collections.abc import Sequence
from typing import Any
from uuid import UUID

from sqlalchemy import Row, and_, func, insert, or_, select, tuple_, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncConnection

from adapters.sqlalchemy.errors import violated_unique_constraint
from adapters.sqlalchemy.tables import users
from application.ports import UserQuery
from domain.shared.errors import ConcurrentUpdate
from domain.users import Email, EmailTaken, Role, User

_EMAIL_UNIQUE = "uq_users_email"


def _to_domain(row: Row[Any]) -> User:
    return User(
        id=row.id,
        email=Email(row.email),
        full_name=row.full_name,
        password_hash=row.password_hash,
        role=Role(row.role),
        is_active=row.is_active,
        created_at=row.created_at,
        credentials_version=row.credentials_version,
        version=row.version,
    )


def _to_row(user: User) -> dict[str, Any]:
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


def _like(text: str) -> str:
    escaped = text.lower().replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return f"%{escaped}%"


class SqlUserRepository:
    def __init__(self, conn: AsyncConnection) -> None:
        self._conn = conn
        self.seen: list[User] = []

    async def add(self, user: User) -> None:
        try:
            await self._conn.execute(insert(users).values(_to_row(user)))
        except IntegrityError as error:
            if violated_unique_constraint(error, users) == _EMAIL_UNIQUE:
                raise EmailTaken(f"{user.email} is registered already") from None
            raise
        self.seen.append(user)

    async def get(self, user_id: UUID, *, for_update: bool = False) -> User | None:
        query = select(users).where(users.c.id == user_id)
        if for_update:
            query = query.with_for_update()
        row = (await self._conn.execute(query)).one_or_none()
        return _to_domain(row) if row else None

    async def get_by_email(self, email: Email) -> User | None:
        row = (
            await self._conn.execute(select(users).where(users.c.email == email.value))
        ).one_or_none()
        return _to_domain(row) if row else None

    async def save(self, user: User) -> None:
        values = _to_row(user) | {"version": user.version + 1}
        del values["id"], values["created_at"]
        result = await self._conn.execute(
            update(users)
            .where(users.c.id == user.id, users.c.version == user.version)
            .values(values)
        )
        if result.rowcount != 1:
            raise ConcurrentUpdate("The account changed meanwhile; try again")
        user.version += 1
        self.seen.append(user)

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

    async def list(self, query: UserQuery) -> Sequence[User]:
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
        return [_to_domain(row) for row in await self._conn.execute(statement)]
