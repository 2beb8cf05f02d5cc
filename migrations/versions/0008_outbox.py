"""the outbox: every event, written in the transaction of its change

Revision ID: 0008
Revises: 0007
Create Date: 2026-12-02
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0008"
down_revision: str | None = "0007"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "outbox",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("type", sa.String(length=64), nullable=False),
        sa.Column("subject_id", sa.Uuid(), nullable=False),
        sa.Column("subject_version", sa.Integer(), nullable=True),
        sa.Column("occurred_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("data", sa.Text(), nullable=False),
        sa.Column("schema_version", sa.Integer(), nullable=False),
        sa.Column("request_id", sa.String(length=128), nullable=True),
        sa.Column("actor", sa.String(length=64), nullable=True),
        sa.Column("dispatched_at", sa.DateTime(timezone=True), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_outbox")),
    )
    undispatched = sa.text("dispatched_at IS NULL")
    op.create_index(
        "ix_outbox_undispatched",
        "outbox",
        ["id"],
        postgresql_where=undispatched,
        sqlite_where=undispatched,
    )
    op.create_index(op.f("ix_outbox_occurred_at"), "outbox", ["occurred_at"])
    op.create_index(
        op.f("ix_outbox_subject_id_occurred_at"), "outbox", ["subject_id", "occurred_at"]
    )


def downgrade() -> None:
    op.drop_table("outbox")
