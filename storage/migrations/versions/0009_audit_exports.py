"""Audit-export offers: the file consent cards the bot sent, so an answer can be checked.

Revision ID: 0009
Revises: 0008
Create Date: 2026-12-02

A `fileConsent/invoke` carries back whatever context the card held, and anyone can craft one:
the offer row says which request, for whom, until when, and whether it was already answered
(the answer claims the row once, so a replayed invoke uploads nothing).
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0009"
down_revision = "0008"
branch_labels = None
depends_on = None

_TS = sa.DateTime(timezone=True)


def upgrade() -> None:
    op.create_table(
        "audit_exports",
        sa.Column("id", sa.String(32), nullable=False),
        sa.Column("consultation_id", sa.String(32), nullable=False),
        sa.Column("offered_to", sa.String(64), nullable=False),
        sa.Column("offered_at", _TS, nullable=False),
        sa.Column("expires_at", _TS, nullable=False),
        sa.Column("outcome", sa.String(20), nullable=True),
        sa.Column("answered_at", _TS, nullable=True),
        sa.PrimaryKeyConstraint("id", name="pk_audit_exports"),
        sa.ForeignKeyConstraint(
            ["consultation_id"],
            ["consultations.id"],
            name="fk_audit_exports_consultation_id_consultations",
        ),
    )


def downgrade() -> None:
    op.drop_table("audit_exports")
