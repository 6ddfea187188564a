"""users and roles, person.unit, and queue-length snapshots

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-26
"""
from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "app_user",
        sa.Column("name", sa.String(), nullable=False),
        sa.Column("role", sa.String(), nullable=False),
        sa.Column("unit", sa.String(), nullable=False, server_default=""),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("name"),
    )
    op.create_table(
        "queue_snapshot",
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("open_inquiries", sa.Integer(), nullable=False),
        sa.Column("open_messages", sa.Integer(), nullable=False),
        sa.Column("oldest_waiting_seconds", sa.Float(), nullable=True),
        sa.Column("by_channel", sa.Text(), server_default="", nullable=False),
        sa.PrimaryKeyConstraint("at"),
    )
    with op.batch_alter_table("person") as batch_op:
        batch_op.add_column(sa.Column("unit", sa.String(), server_default="", nullable=False))
    op.create_index("ix_thread_queue_cover", "thread", ["state", "channels", "first_contact", "inbound_count"])
    # The audit log is append-only, enforced by the database itself.
    if op.get_bind().dialect.name == "postgresql":
        op.execute("""CREATE FUNCTION audit_append_only() RETURNS trigger AS $$
            BEGIN RAISE EXCEPTION 'the audit log is append-only'; END; $$ LANGUAGE plpgsql""")
        op.execute("""CREATE TRIGGER audit_no_change BEFORE UPDATE OR DELETE ON audit_event
            FOR EACH ROW EXECUTE FUNCTION audit_append_only()""")
    elif op.get_bind().dialect.name == "sqlite":
        for event in ("UPDATE", "DELETE"):
            op.execute(f"""CREATE TRIGGER audit_no_{event.lower()} BEFORE {event} ON audit_event
                BEGIN SELECT RAISE(ABORT, 'the audit log is append-only'); END""")


def downgrade() -> None:
    op.drop_index("ix_thread_queue_cover", table_name="thread")
    if op.get_bind().dialect.name == "postgresql":
        op.execute("DROP TRIGGER IF EXISTS audit_no_change ON audit_event")
        op.execute("DROP FUNCTION IF EXISTS audit_append_only()")
    elif op.get_bind().dialect.name == "sqlite":
        op.execute("DROP TRIGGER IF EXISTS audit_no_update")
        op.execute("DROP TRIGGER IF EXISTS audit_no_delete")
    with op.batch_alter_table("person") as batch_op:
        batch_op.drop_column("unit")
    op.drop_table("queue_snapshot")
    op.drop_table("app_user")
