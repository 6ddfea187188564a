"""message.digest and message.flags: idempotency on the content of a mail, and flagged sender dates

Revision ID: 0005
Revises: 0004
Create Date: 2026-12-07

``message.received_at`` keeps its type; from this revision on it holds when the office received a message (a
provider's time, else the time it was stored), and the queue's first contact is read from it. Rows stored
before held the time they were stored there; they get the earlier of that and their send time, which is what
their threads' first contact was read from until now, so the queue keeps its order (a mail dated in the
future now counts from when it was stored).
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
    message = sa.table("message", sa.column("sent_at", sa.DateTime(timezone=True)),
                       sa.column("received_at", sa.DateTime(timezone=True)))
    op.execute(message.update().where(message.c.sent_at < message.c.received_at)
               .values(received_at=message.c.sent_at))


def downgrade() -> None:
    with op.batch_alter_table("message") as batch_op:
        batch_op.drop_column("flags")
        batch_op.drop_column("digest")
