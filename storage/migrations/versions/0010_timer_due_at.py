"""When a consultation's next flow timer falls due, so the tick reads only the cases due.

Revision ID: 0010
Revises: 0009
Create Date: 2026-12-04

`timer_due_at` is a cache of `domain.timers.schedule`: every save of a consultation clears it
(a transition may start or stop timers) and the tick writes it back after it looks at the case.
NULL means "not known: look". Existing open rows start NULL, so the first tick works them out.
The partial index holds only open requests (the literal list storage.tables.OPEN_STATES).
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0010"
down_revision = "0009"
branch_labels = None
depends_on = None

_OPEN = sa.text(
    "status IN ('acknowledged', 'assigned', 'called_back', 'disputed', 'outcome_recorded', "
    "'reviewed', 'submitted', 'under_review')"
)


def upgrade() -> None:
    op.add_column(
        "consultations", sa.Column("timer_due_at", sa.DateTime(timezone=True), nullable=True)
    )
    op.create_index(
        "ix_consultations_timer_due",
        "consultations",
        ["timer_due_at", "id"],
        sqlite_where=_OPEN,
        postgresql_where=_OPEN,
    )


def downgrade() -> None:
    op.drop_index("ix_consultations_timer_due", table_name="consultations")
    # A plain DROP COLUMN (SQLite 3.35+): a batch copy of the table would break its foreign keys.
    op.drop_column("consultations", "timer_due_at")
