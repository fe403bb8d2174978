"""Indexes for "my requests" and the period report, so neither reads the whole history.

Revision ID: 0011
Revises: 0010
Create Date: 2026-12-07

A requester's list (`requester_id = ?`, newest first) and a report's period (`posted_at` in a
range, in order) scanned every consultation ever stored (issue 19). `(requester_id, posted_at)`
serves the list in its order; `posted_at` serves the period, the report's escalations, disputes
and families joins read by it.
"""

from __future__ import annotations

from alembic import op

revision = "0011"
down_revision = "0010"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_index("ix_consultations_requester", "consultations", ["requester_id", "posted_at"])
    op.create_index("ix_consultations_posted_at", "consultations", ["posted_at"])


def downgrade() -> None:
    op.drop_index("ix_consultations_posted_at", table_name="consultations")
    op.drop_index("ix_consultations_requester", table_name="consultations")
