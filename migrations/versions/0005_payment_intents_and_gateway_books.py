"""payments are intents (pending, failed; one live per order); the fake gateway's books

Revision ID: 0005
Revises: 0004
Create Date: 2026-12-01
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0005"
down_revision: str | None = "0004"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_OLD = "status IN ('succeeded', 'declined', 'refund_pending', 'refunded')"
_NEW = "status IN ('pending', 'succeeded', 'declined', 'failed', 'refund_pending', 'refunded')"


def upgrade() -> None:
    with op.batch_alter_table("payments") as batch:
        batch.drop_constraint(op.f("ck_payments_status"), type_="check")
        batch.create_check_constraint(op.f("ck_payments_status"), _NEW)
    pending = sa.text("status = 'pending'")
    op.create_index(
        "ix_payments_attempt_pending",
        "payments",
        ["created_at"],
        postgresql_where=pending,
        sqlite_where=pending,
    )
    live = sa.text("status IN ('pending', 'succeeded')")
    op.create_index(
        "uq_payments_one_live_per_order",
        "payments",
        ["order_id"],
        unique=True,
        postgresql_where=live,
        sqlite_where=live,
    )
    op.create_table(
        "fake_gateway_books",
        sa.Column("idempotency_key", sa.String(length=100), nullable=False),
        sa.Column("kind", sa.String(length=10), nullable=False),
        sa.Column("approved", sa.Boolean(), nullable=False),
        sa.Column("reference", sa.String(length=64), nullable=True),
        sa.Column("amount_minor", sa.BigInteger(), nullable=False),
        sa.Column("currency", sa.String(length=3), nullable=False),
        sa.Column("charge_id", sa.String(length=64), nullable=True),
        sa.PrimaryKeyConstraint("idempotency_key", name=op.f("pk_fake_gateway_books")),
    )


def downgrade() -> None:
    op.drop_table("fake_gateway_books")
    op.drop_index("uq_payments_one_live_per_order", "payments")
    op.drop_index("ix_payments_attempt_pending", "payments")
    # Attempts of the new kinds have no place in the old table.
    op.execute("DELETE FROM payments WHERE status IN ('pending', 'failed')")
    with op.batch_alter_table("payments") as batch:
        batch.drop_constraint(op.f("ck_payments_status"), type_="check")
        batch.create_check_constraint(op.f("ck_payments_status"), _OLD)
