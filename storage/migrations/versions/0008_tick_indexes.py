"""Indexes that keep the scheduler tick flat however much history is stored.

Revision ID: 0008
Revises: 0006
Create Date: 2026-12-02

- The outbox claim (pending, due, oldest first) had only an index on next_attempt_at, so it
  walked every row ever sent before reaching the few pending ones: (status, next_attempt_at,
  id) seeks the pending rows in the order the claim takes them. The old index goes.
- The prune of sent rows reads sent_at.
- The escalation candidates are the consultations still in a state an escalation applies to:
  a partial index holds only those rows, in the order the query takes them. Its predicate must
  be the literal list the query renders (storage.tables.ESCALATION_STATES).
- The retention purge starts from the case details not yet purged (purged_at IS NULL).
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0008"
down_revision = "0006"
branch_labels = None
depends_on = None

_OPEN = sa.text("status IN ('acknowledged', 'assigned', 'submitted')")


def upgrade() -> None:
    op.drop_index("ix_escalation_outbox_next_attempt_at", table_name="escalation_outbox")
    op.create_index(
        "ix_escalation_outbox_claim", "escalation_outbox", ["status", "next_attempt_at", "id"]
    )
    op.create_index("ix_escalation_outbox_sent_at", "escalation_outbox", ["sent_at"])
    op.create_index(
        "ix_consultations_escalation_open",
        "consultations",
        ["posted_at", "id"],
        sqlite_where=_OPEN,
        postgresql_where=_OPEN,
    )
    op.create_index("ix_case_details_purged_at", "case_details", ["purged_at"])


def downgrade() -> None:
    op.drop_index("ix_case_details_purged_at", table_name="case_details")
    op.drop_index("ix_consultations_escalation_open", table_name="consultations")
    op.drop_index("ix_escalation_outbox_sent_at", table_name="escalation_outbox")
    op.drop_index("ix_escalation_outbox_claim", table_name="escalation_outbox")
    op.create_index(
        "ix_escalation_outbox_next_attempt_at", "escalation_outbox", ["next_attempt_at"]
    )
