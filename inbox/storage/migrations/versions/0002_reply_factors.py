"""reply.factors: the suggestion's factors, for agreement by factor

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-26
"""
from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("reply") as batch_op:
        batch_op.add_column(sa.Column("factors", sa.Text(), server_default="", nullable=False))


def downgrade() -> None:
    with op.batch_alter_table("reply") as batch_op:
        batch_op.drop_column("factors")
