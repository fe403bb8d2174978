"""Private case details (sealed), dialog drafts, and the append-only access audit.

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-23
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None

_TS = sa.DateTime(timezone=True)
_FK = ["consultations.id"]


def upgrade() -> None:
    op.create_table(
        "case_details",
        sa.Column("consultation_id", sa.String(32), nullable=False),
        sa.Column("ehm_sealed", sa.Text(), nullable=True),
        sa.Column("oversight_sealed", sa.Text(), nullable=True),
        sa.Column("phone_sealed", sa.Text(), nullable=True),
        sa.Column("ehm_fingerprint", sa.String(64), nullable=True),
        sa.Column("provided_by", sa.String(64), nullable=False),
        sa.Column("provided_at", _TS, nullable=False),
        sa.Column("purged_at", _TS, nullable=True),
        sa.PrimaryKeyConstraint("consultation_id", name="pk_case_details"),
        sa.ForeignKeyConstraint(
            ["consultation_id"], _FK, name="fk_case_details_consultation_id_consultations"
        ),
    )
    op.create_index("ix_case_details_ehm_fingerprint", "case_details", ["ehm_fingerprint"])
    op.create_table(
        "dialog_drafts",
        sa.Column("consultation_id", sa.String(32), nullable=False),
        sa.Column("person_id", sa.String(64), nullable=False),
        sa.Column("dialog", sa.String(40), nullable=False),
        sa.Column("state", sa.String(20), nullable=False),
        sa.Column("values_sealed", sa.Text(), nullable=True),
        sa.Column("updated_at", _TS, nullable=False),
        sa.Column("expires_at", _TS, nullable=False),
        sa.PrimaryKeyConstraint("consultation_id", "person_id", name="pk_dialog_drafts"),
        sa.ForeignKeyConstraint(
            ["consultation_id"], _FK, name="fk_dialog_drafts_consultation_id_consultations"
        ),
    )
    op.create_table(
        "access_audit",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("at", _TS, nullable=False),
        sa.Column("actor_id", sa.String(64), nullable=False),
        sa.Column("consultation_id", sa.String(32), nullable=False),
        sa.Column("action", sa.String(40), nullable=False),
        sa.Column("allowed", sa.Boolean(), nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_access_audit"),
    )
    op.create_index("ix_access_audit_consultation_id", "access_audit", ["consultation_id"])
    if op.get_bind().dialect.name == "postgresql":
        # stepup_append_only() was created with the events table (0002).
        op.execute(
            "CREATE TRIGGER access_audit_append_only BEFORE UPDATE OR DELETE ON access_audit "
            "FOR EACH ROW EXECUTE FUNCTION stepup_append_only()"
        )
    else:
        for verb in ("UPDATE", "DELETE"):
            op.execute(
                f"CREATE TRIGGER access_audit_no_{verb.lower()} BEFORE {verb} ON access_audit "
                "BEGIN SELECT RAISE(ABORT, 'audit is append-only'); END"
            )


def downgrade() -> None:
    op.drop_table("access_audit")
    op.drop_table("dialog_drafts")
    op.drop_table("case_details")
