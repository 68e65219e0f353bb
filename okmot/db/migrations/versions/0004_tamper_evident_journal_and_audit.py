"""tamper-evident change journal and the audit trail

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-22 03:55:00
"""
import hashlib
import uuid

import sqlalchemy as sa
from alembic import op

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None

# Frozen copy of okmot.db.chain.digest as of this revision: a migration must not change meaning
# when the app's code moves on.
_GENESIS = "0" * 64
_FIELDS = ("at", "user_id", "user_name", "table_name", "record_id", "op", "version", "changes")


def _text(value) -> str:
    if value is None:
        return ""
    if isinstance(value, uuid.UUID):
        return value.hex
    if hasattr(value, "isoformat"):
        return value.isoformat(sep=" ") if hasattr(value, "hour") else value.isoformat()
    return str(value)


def _digest(prev: str, row: dict) -> str:
    h = hashlib.sha256(prev.encode("ascii"))
    for name in _FIELDS:
        value = _text(row.get(name)).encode("utf-8")
        h.update(len(value).to_bytes(8, "big"))
        h.update(value)
    return h.hexdigest()


def upgrade() -> None:
    with op.batch_alter_table("change_log", schema=None) as batch_op:
        batch_op.add_column(sa.Column("prev_hash", sa.String(length=64), nullable=True))
        batch_op.add_column(sa.Column("hash", sa.String(length=64), nullable=True))

    # Chain the rows already journaled, in order.
    conn = op.get_bind()
    log = sa.table("change_log", *(sa.column(c) for c in ("seq", "prev_hash", "hash")),
                   sa.column("at", sa.DateTime), sa.column("user_id", sa.Uuid), sa.column("user_name"),
                   sa.column("table_name"), sa.column("record_id", sa.Uuid), sa.column("op"),
                   sa.column("version"), sa.column("changes"))
    prev = _GENESIS
    rows = conn.execute(sa.select(log).order_by(log.c.seq)).mappings().all()
    for row in rows:
        current = _digest(prev, dict(row))
        conn.execute(log.update().where(log.c.seq == row["seq"]).values(prev_hash=prev, hash=current))
        prev = current

    with op.batch_alter_table("change_log", schema=None) as batch_op:
        batch_op.alter_column("prev_hash", existing_type=sa.String(length=64), nullable=False)
        batch_op.alter_column("hash", existing_type=sa.String(length=64), nullable=False)

    op.create_table(
        "audit_event",
        sa.Column("seq", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("at", sa.DateTime(), nullable=False),
        sa.Column("user_id", sa.Uuid(), nullable=True),
        sa.Column("user_name", sa.String(length=60), nullable=False),
        sa.Column("action", sa.String(length=30), nullable=False),
        sa.Column("subject_table", sa.String(length=60), nullable=False),
        sa.Column("subject_id", sa.Uuid(), nullable=True),
        sa.Column("detail", sa.Text(), nullable=False),
        sa.Column("prev_hash", sa.String(length=64), nullable=False),
        sa.Column("hash", sa.String(length=64), nullable=False),
        sa.PrimaryKeyConstraint("seq", name=op.f("pk_audit_event")),
    )
    with op.batch_alter_table("audit_event", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_audit_event_action"), ["action"], unique=False)
        batch_op.create_index(batch_op.f("ix_audit_event_at"), ["at"], unique=False)
        batch_op.create_index(batch_op.f("ix_audit_event_subject_id"), ["subject_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_audit_event_user_id"), ["user_id"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("audit_event", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_audit_event_user_id"))
        batch_op.drop_index(batch_op.f("ix_audit_event_subject_id"))
        batch_op.drop_index(batch_op.f("ix_audit_event_at"))
        batch_op.drop_index(batch_op.f("ix_audit_event_action"))
    op.drop_table("audit_event")
    with op.batch_alter_table("change_log", schema=None) as batch_op:
        batch_op.drop_column("hash")
        batch_op.drop_column("prev_hash")
