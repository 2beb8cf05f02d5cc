"""refresh tokens remember why they were revoked

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-23
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0002"
down_revision: str | None = "0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("refresh_tokens") as batch:
        batch.add_column(sa.Column("revoked_reason", sa.String(length=16), nullable=True))
        batch.create_check_constraint(
            op.f("ck_refresh_tokens_revoked_reason"),
            "revoked_reason IN ('logout', 'rotated', 'closed')",
        )
    # Tokens revoked before this revision: the reason is unknown, so the safe one.
    op.execute("UPDATE refresh_tokens SET revoked_reason = 'rotated' WHERE revoked_at IS NOT NULL")


def downgrade() -> None:
    with op.batch_alter_table("refresh_tokens") as batch:
        batch.drop_constraint(op.f("ck_refresh_tokens_revoked_reason"), type_="check")
        batch.drop_column("revoked_reason")
