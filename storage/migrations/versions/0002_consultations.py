"""Consultations, their append-only events, and reference counters.

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-23
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None

_TS = sa.DateTime(timezone=True)


def upgrade() -> None:
    op.create_table(
        "consultations",
        sa.Column("id", sa.String(32), nullable=False),
        sa.Column("reference", sa.String(32), nullable=False),
        sa.Column("requester_id", sa.String(64), nullable=False),
        sa.Column("service", sa.String(120), nullable=False),
        sa.Column("urgency", sa.String(20), nullable=False),
        sa.Column("indicators", sa.JSON(), nullable=False),
        sa.Column("checklist", sa.JSON(), nullable=True),
        sa.Column("status", sa.String(30), nullable=False),
        sa.Column("assignee_id", sa.String(64), nullable=True),
        sa.Column("decided_by", sa.String(64), nullable=True),
        sa.Column("reviewer_id", sa.String(64), nullable=True),
        sa.Column("outcome", sa.String(30), nullable=True),
        sa.Column("area_team", sa.String(120), nullable=True),
        sa.Column("contact_created", sa.Boolean(), nullable=False),
        sa.Column("review_level", sa.Integer(), nullable=False),
        sa.Column("details_provided", sa.Boolean(), nullable=False),
        sa.Column("escalations", sa.JSON(), nullable=False),
        sa.Column("posted_at", _TS, nullable=False),
        sa.Column("acknowledge_due", _TS, nullable=True),
        sa.Column("callback_due", _TS, nullable=True),
        sa.Column("acknowledged_at", _TS, nullable=True),
        sa.Column("called_back_at", _TS, nullable=True),
        sa.Column("outcome_at", _TS, nullable=True),
        sa.Column("reviewed_at", _TS, nullable=True),
        sa.Column("closed_at", _TS, nullable=True),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("channel_id", sa.String(200), nullable=True),
        sa.Column("thread_id", sa.String(64), nullable=True),
        sa.Column("card_activity_id", sa.String(200), nullable=True),
        sa.Column("source", sa.String(20), nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_consultations"),
        sa.UniqueConstraint("reference", name="uq_consultations_reference"),
        sa.UniqueConstraint("channel_id", "thread_id", name="uq_consultations_thread"),
    )
    op.create_table(
        "consultation_events",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("consultation_id", sa.String(32), nullable=False),
        sa.Column("seq", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(40), nullable=False),
        sa.Column("at", _TS, nullable=False),
        sa.Column("actor_id", sa.String(64), nullable=True),
        sa.Column("data", sa.JSON(), nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_consultation_events"),
        sa.ForeignKeyConstraint(
            ["consultation_id"],
            ["consultations.id"],
            name="fk_consultation_events_consultation_id_consultations",
        ),
        sa.UniqueConstraint("consultation_id", "seq", name="uq_consultation_events_seq"),
    )
    op.create_table(
        "reference_counters",
        sa.Column("year", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("last", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("year", name="pk_reference_counters"),
    )
    _append_only("consultation_events")


def _append_only(table: str) -> None:
    """The audit trail cannot be changed by the application: the database refuses."""
    if op.get_bind().dialect.name == "postgresql":
        op.execute(
            "CREATE FUNCTION stepup_append_only() RETURNS trigger LANGUAGE plpgsql AS "
            "$$ BEGIN RAISE EXCEPTION 'events are append-only'; END $$"
        )
        op.execute(
            f"CREATE TRIGGER {table}_append_only BEFORE UPDATE OR DELETE ON {table} "
            "FOR EACH ROW EXECUTE FUNCTION stepup_append_only()"
        )
        return
    for verb in ("UPDATE", "DELETE"):
        op.execute(
            f"CREATE TRIGGER {table}_no_{verb.lower()} BEFORE {verb} ON {table} "
            "BEGIN SELECT RAISE(ABORT, 'events are append-only'); END"
        )


def downgrade() -> None:
    op.drop_table("reference_counters")
    op.drop_table("consultation_events")
    if op.get_bind().dialect.name == "postgresql":
        op.execute("DROP FUNCTION IF EXISTS stepup_append_only()")
    op.drop_table("consultations")
