from datetime import datetime
from typing import Any
from uuid import UUID

from sqlalchemy import Row, delete, insert, select, update
from sqlalchemy.ext.asyncio import AsyncConnection

from adapters.sqlalchemy.tables import refresh_tokens
from domain.users import RefreshToken, RevokeReason


def _to_domain(row: Row[Any]) -> RefreshToken:
    return RefreshToken(
        id=row.id,
        user_id=row.user_id,
        token_hash=row.token_hash,
        issued_at=row.issued_at,
        expires_at=row.expires_at,
        revoked_at=row.revoked_at,
        revoked_reason=RevokeReason(row.revoked_reason) if row.revoked_reason else None,
    )


def _to_row(token: RefreshToken) -> dict[str, Any]:
    return {
        "id": token.id,
        "user_id": token.user_id,
        "token_hash": token.token_hash,
        "issued_at": token.issued_at,
        "expires_at": token.expires_at,
        "revoked_at": token.revoked_at,
        "revoked_reason": token.revoked_reason,
    }


class SqlRefreshTokenRepository:
    def __init__(self, conn: AsyncConnection) -> None:
        self._conn = conn

    async def add(self, token: RefreshToken) -> None:
        await self._conn.execute(insert(refresh_tokens).values(_to_row(token)))

    async def get_by_hash(self, token_hash: str) -> RefreshToken | None:
        row = (
            await self._conn.execute(
                select(refresh_tokens).where(refresh_tokens.c.token_hash == token_hash)
            )
        ).one_or_none()
        return _to_domain(row) if row else None

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
