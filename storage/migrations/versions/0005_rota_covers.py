"""Covers set in the bot, and once-only announcements (the weekly duty post).

Revision ID: 0005
Revises: 0004
Create Date: 2026-11-23
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None

_TS = sa.DateTime(timezone=True)


def upgrade() -> None:
    op.create_table(
        "rota_covers",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("covering", sa.String(64), nullable=False),
        sa.Column("covered", sa.String(64), nullable=True),
        sa.Column("starts_at", _TS, nullable=False),
        sa.Column("ends_at", _TS, nullable=False),
        sa.Column("set_by", sa.String(64), nullable=False),
        sa.Column("set_at", _TS, nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_rota_covers"),
    )
    op.create_table(
        "announcements",
        sa.Column("key", sa.String(80), nullable=False),
        sa.Column("claimed_at", _TS, nullable=False),
        sa.Column("sent_at", _TS, nullable=True),
        sa.PrimaryKeyConstraint("key", name="pk_announcements"),
    )


def downgrade() -> None:
    op.drop_table("announcements")
    op.drop_table("rota_covers")
