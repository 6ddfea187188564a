"""message.digest and message.flags: idempotency on the content of a mail, and flagged sender dates

Revision ID: 0005
Revises: 0004
Create Date: 2026-12-07

``message.received_at`` keeps its type; from this revision on it holds when the office received a message (a
provider's time, else the time it was stored), and the queue's first contact is read from it.
"""
from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("message") as batch_op:
        batch_op.add_column(sa.Column("digest", sa.String(), server_default="", nullable=False))
        batch_op.add_column(sa.Column("flags", sa.String(), server_default="", nullable=False))


def downgrade() -> None:
    with op.batch_alter_table("message") as batch_op:
        batch_op.drop_column("flags")
        batch_op.drop_column("digest")
