"""a product's ledger is numbered: stock_movements.sequence, products.movements

Revision ID: 0006
Revises: 0005
Create Date: 2026-12-01
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0006"
down_revision: str | None = "0005"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("products") as batch:
        batch.add_column(sa.Column("movements", sa.Integer(), nullable=False, server_default="0"))
    with op.batch_alter_table("stock_movements") as batch:
        batch.add_column(sa.Column("sequence", sa.Integer(), nullable=True))
    # Movements written before this revision are numbered in the order they were dated.
    op.execute(
        "UPDATE stock_movements SET sequence = (SELECT COUNT(*) FROM stock_movements AS older"
        " WHERE older.product_id = stock_movements.product_id"
        " AND (older.created_at < stock_movements.created_at"
        " OR (older.created_at = stock_movements.created_at AND older.id <= stock_movements.id)))"
    )
    op.execute(
        "UPDATE products SET movements ="
        " (SELECT COUNT(*) FROM stock_movements WHERE product_id = products.id)"
    )
    with op.batch_alter_table("products") as batch:
        batch.alter_column("movements", server_default=None)
    with op.batch_alter_table("stock_movements") as batch:
        batch.alter_column("sequence", existing_type=sa.Integer(), nullable=False)
        batch.drop_index("ix_stock_movements_product_id_created_at_id")
        batch.create_unique_constraint(
            op.f("uq_stock_movements_product_id_sequence"), ["product_id", "sequence"]
        )


def downgrade() -> None:
    with op.batch_alter_table("stock_movements") as batch:
        batch.drop_constraint(op.f("uq_stock_movements_product_id_sequence"), type_="unique")
        batch.create_index(
            "ix_stock_movements_product_id_created_at_id", ["product_id", "created_at", "id"]
        )
        batch.drop_column("sequence")
    with op.batch_alter_table("products") as batch:
        batch.drop_column("movements")
