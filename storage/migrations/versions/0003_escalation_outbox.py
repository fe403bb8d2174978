"""Escalations recorded once per consultation and key, and the outbox of messages they send.

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-24
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None

_TS = sa.DateTime(timezone=True)


def upgrade() -> None:
    op.create_table(
        "escalations",
        sa.Column("consultation_id", sa.String(32), nullable=False),
        sa.Column("key", sa.String(40), nullable=False),
        sa.Column("due_at", _TS, nullable=False),
        sa.Column("recorded_at", _TS, nullable=False),
        sa.PrimaryKeyConstraint("consultation_id", "key", name="pk_escalations"),
        sa.ForeignKeyConstraint(
            ["consultation_id"],
            ["consultations.id"],
            name="fk_escalations_consultation_id_consultations",
        ),
    )
    op.create_table(
        "escalation_outbox",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("consultation_id", sa.String(32), nullable=False),
        sa.Column("escalation_key", sa.String(40), nullable=False),
        sa.Column("recipient", sa.String(64), nullable=False),
        sa.Column("kind", sa.String(40), nullable=False),
        sa.Column("status", sa.String(10), nullable=False),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("created_at", _TS, nullable=False),
        sa.Column("next_attempt_at", _TS, nullable=False),
        sa.Column("claimed_until", _TS, nullable=True),
        sa.Column("claim_token", sa.String(32), nullable=True),
        sa.Column("last_error", sa.String(80), nullable=True),
        sa.Column("sent_at", _TS, nullable=True),
        sa.PrimaryKeyConstraint("id", name="pk_escalation_outbox"),
        sa.ForeignKeyConstraint(
            ["consultation_id"],
            ["consultations.id"],
            name="fk_escalation_outbox_consultation_id_consultations",
        ),
        sa.UniqueConstraint(
            "consultation_id",
            "escalation_key",
            "recipient",
            name="uq_escalation_outbox_recipient",
        ),
    )
    op.create_index(
        "ix_escalation_outbox_next_attempt_at", "escalation_outbox", ["next_attempt_at"]
    )
    # The tick looks only at open consultations before their call-back: a handful of rows.
    op.create_index("ix_consultations_status", "consultations", ["status"])


def downgrade() -> None:
    op.drop_index("ix_consultations_status", table_name="consultations")
    op.drop_index("ix_escalation_outbox_next_attempt_at", table_name="escalation_outbox")
    op.drop_table("escalation_outbox")
    op.drop_table("escalations")
