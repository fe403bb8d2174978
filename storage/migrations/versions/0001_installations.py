"""Installations and conversation references.

Revision ID: 0001
Revises:
Create Date: 2026-11-23
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "installations",
        sa.Column("id", sa.Integer(), primary_key=True, autoincrement=True),
        sa.Column("tenant_id", sa.String(64), nullable=False),
        sa.Column("team_thread_id", sa.String(200), nullable=False),
        sa.Column("aad_group_id", sa.String(64), nullable=True),
        sa.Column("team_name", sa.String(200), nullable=True),
        sa.Column("service_url", sa.String(500), nullable=False),
        sa.Column("installed_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("removed_at", sa.DateTime(timezone=True), nullable=True),
        sa.PrimaryKeyConstraint("id", name="pk_installations"),
        sa.UniqueConstraint("team_thread_id", name="uq_installations_team_thread_id"),
    )
    op.create_table(
        "conversation_refs",
        sa.Column("id", sa.Integer(), primary_key=True, autoincrement=True),
        sa.Column("key", sa.String(300), nullable=False),
        sa.Column("kind", sa.String(20), nullable=False),
        sa.Column("reference", sa.JSON(), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_conversation_refs"),
        sa.UniqueConstraint("key", name="uq_conversation_refs_key"),
    )


def downgrade() -> None:
    op.drop_table("conversation_refs")
    op.drop_table("installations")
