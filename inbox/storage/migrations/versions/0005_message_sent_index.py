"""message.sent_at index: the matcher reads a time window across persons

An email from an unknown address whose display name an unknown number signed a text with a few days
before ("Gunnar Myrvold her, …") is looked for among the window's messages of unknown senders.

Revision ID: 0005
Revises: 0004
Create Date: 2026-11-27
"""
from __future__ import annotations

from alembic import op

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_index("ix_message_sent", "message", ["sent_at"])


def downgrade() -> None:
    op.drop_index("ix_message_sent", table_name="message")
