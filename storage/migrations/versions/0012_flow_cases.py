"""Cases of every flow but step up: the generic engine's rows, events and timer firings.

Revision ID: 0012
Revises: 0011
Create Date: 2026-12-07

Step up keeps its consultations tables; a flow defined only in the profile (Surrey's step down
first) keeps its cases here (domain/process/engine.py). Ids, states, roles' people and the
form's answers (choices, toggles, dates, people, area teams) only: no family data, so nothing
here is sealed. The events are append-only, like step up's. A firing's primary key makes "each
timer once" a database rule, as `escalations` does for step up; the reference counter is per
flow and year (SD-2026-0001). The outbox takes a case's messages as well as a
consultation's.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0012"
down_revision = "0011"
branch_labels = None
depends_on = None

_TS = sa.DateTime(timezone=True)
_ONE_SUBJECT = "(consultation_id IS NULL) <> (case_id IS NULL)"


def upgrade() -> None:
    op.create_table(
        "flow_cases",
        sa.Column("id", sa.String(32), nullable=False),
        sa.Column("flow", sa.String(40), nullable=False),
        sa.Column("reference", sa.String(32), nullable=False),
        sa.Column("state", sa.String(40), nullable=False),
        sa.Column("version", sa.Integer, nullable=False),
        sa.Column("service", sa.String(120), nullable=True),
        sa.Column("owner_id", sa.String(64), nullable=True),
        sa.Column("previous_owner_id", sa.String(64), nullable=True),
        sa.Column("opened_by", sa.String(64), nullable=False),
        sa.Column("opened_at", _TS, nullable=False),
        sa.Column("terminal", sa.Boolean, nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_flow_cases"),
        sa.UniqueConstraint("reference", name="uq_flow_cases_reference"),
    )
    op.create_index("ix_flow_cases_open", "flow_cases", ["terminal", "flow"])
    op.create_index("ix_flow_cases_owner_id", "flow_cases", ["owner_id"])
    op.create_table(
        "flow_case_events",
        sa.Column("id", sa.Integer, autoincrement=True, nullable=False),
        sa.Column("case_id", sa.String(32), nullable=False),
        sa.Column("seq", sa.Integer, nullable=False),
        sa.Column("verb", sa.String(60), nullable=False),
        sa.Column("at", _TS, nullable=False),
        sa.Column("actor_id", sa.String(64), nullable=True),
        sa.Column("state", sa.String(40), nullable=False),
        sa.Column("data", sa.JSON, nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_flow_case_events"),
        sa.ForeignKeyConstraint(
            ["case_id"], ["flow_cases.id"], name="fk_flow_case_events_case_id_flow_cases"
        ),
        sa.UniqueConstraint("case_id", "seq", name="uq_flow_case_events_seq"),
    )
    _append_only("flow_case_events")
    op.create_table(
        "flow_case_firings",
        sa.Column("case_id", sa.String(32), nullable=False),
        sa.Column("key", sa.String(60), nullable=False),
        sa.Column("due_at", _TS, nullable=False),
        sa.Column("recorded_at", _TS, nullable=False),
        sa.PrimaryKeyConstraint("case_id", "key", name="pk_flow_case_firings"),
        sa.ForeignKeyConstraint(
            ["case_id"], ["flow_cases.id"], name="fk_flow_case_firings_case_id_flow_cases"
        ),
    )
    # The outbox carries a flow case's messages too (one owner of "send now, else retry"):
    # each row is about a consultation or a case, never both, never neither.
    with op.batch_alter_table("escalation_outbox") as batch:
        batch.alter_column("consultation_id", existing_type=sa.String(32), nullable=True)
        batch.add_column(sa.Column("case_id", sa.String(32), nullable=True))
        batch.create_foreign_key(
            "fk_escalation_outbox_case_id_flow_cases", "flow_cases", ["case_id"], ["id"]
        )
        batch.create_unique_constraint(
            "uq_escalation_outbox_case_recipient", ["case_id", "escalation_key", "recipient"]
        )
        batch.create_check_constraint(op.f("ck_escalation_outbox_one_subject"), _ONE_SUBJECT)
    op.create_table(
        "flow_case_counters",
        sa.Column("flow", sa.String(40), nullable=False),
        sa.Column("year", sa.Integer, autoincrement=False, nullable=False),
        sa.Column("last", sa.Integer, nullable=False),
        sa.PrimaryKeyConstraint("flow", "year", name="pk_flow_case_counters"),
    )


def _append_only(table: str) -> None:
    """The case's history cannot be changed by the application, as 0002 and 0006 say for
    step up's events (their PostgreSQL functions are reused)."""
    if op.get_bind().dialect.name == "postgresql":
        op.execute(
            f"CREATE TRIGGER {table}_append_only BEFORE UPDATE OR DELETE ON {table} "
            "FOR EACH ROW EXECUTE FUNCTION stepup_append_only()"
        )
        op.execute(
            f"CREATE TRIGGER {table}_no_truncate BEFORE TRUNCATE ON {table} "
            "FOR EACH STATEMENT EXECUTE FUNCTION stepup_no_truncate()"
        )
        return
    for verb in ("UPDATE", "DELETE"):
        op.execute(
            f"CREATE TRIGGER {table}_no_{verb.lower()} BEFORE {verb} ON {table} "
            "BEGIN SELECT RAISE(ABORT, 'events are append-only'); END"
        )


def downgrade() -> None:
    op.execute("DELETE FROM escalation_outbox WHERE case_id IS NOT NULL")
    with op.batch_alter_table("escalation_outbox") as batch:
        batch.drop_constraint(op.f("ck_escalation_outbox_one_subject"), type_="check")
        batch.drop_constraint("uq_escalation_outbox_case_recipient", type_="unique")
        batch.drop_constraint("fk_escalation_outbox_case_id_flow_cases", type_="foreignkey")
        batch.drop_column("case_id")
        batch.alter_column("consultation_id", existing_type=sa.String(32), nullable=False)
    op.drop_table("flow_case_counters")
    op.drop_table("flow_case_firings")
    op.drop_table("flow_case_events")
    op.drop_index("ix_flow_cases_owner_id", table_name="flow_cases")
    op.drop_index("ix_flow_cases_open", table_name="flow_cases")
    op.drop_table("flow_cases")
