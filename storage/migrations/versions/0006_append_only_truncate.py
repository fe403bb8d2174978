"""The append-only tables refuse TRUNCATE too (PostgreSQL).

Revision ID: 0006
Revises: 0005
Create Date: 2026-11-24

The row triggers of 0002 and 0004 refuse UPDATE and DELETE, but PostgreSQL's TRUNCATE removes
rows without firing row triggers, so the audit trail could still be emptied in one statement.
A statement-level BEFORE TRUNCATE trigger closes that; it also fires when the table is reached
through `TRUNCATE consultations CASCADE`. SQLite has no TRUNCATE: its `DELETE FROM t` without
WHERE fires the row-level delete triggers it already has, so nothing changes there.

Nothing in the application truncates or deletes these rows: the retention purge only blanks the
sealed columns of `case_details` and deletes `dialog_drafts`, and no code deletes consultations.
"""

from __future__ import annotations

from alembic import op

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None

_TABLES = ("consultation_events", "access_audit")


def upgrade() -> None:
    if op.get_bind().dialect.name != "postgresql":
        return
    # A function of its own (not 0002's stepup_append_only) so the error names the statement
    # and the table, which is what an operator needs to see when a maintenance script trips it.
    op.execute(
        "CREATE FUNCTION stepup_no_truncate() RETURNS trigger LANGUAGE plpgsql AS "
        "$$ BEGIN RAISE EXCEPTION '% is append-only: TRUNCATE refused', TG_TABLE_NAME; END $$"
    )
    for table in _TABLES:
        op.execute(
            f"CREATE TRIGGER {table}_no_truncate BEFORE TRUNCATE ON {table} "
            "FOR EACH STATEMENT EXECUTE FUNCTION stepup_no_truncate()"
        )


def downgrade() -> None:
    if op.get_bind().dialect.name != "postgresql":
        return
    for table in _TABLES:
        op.execute(f"DROP TRIGGER IF EXISTS {table}_no_truncate ON {table}")
    op.execute("DROP FUNCTION IF EXISTS stepup_no_truncate()")
