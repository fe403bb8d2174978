"""Table definitions (SQLAlchemy Core). Alembic migrations create them; this is the reference."""

from __future__ import annotations

from sqlalchemy import (
    JSON,
    Column,
    Integer,
    MetaData,
    String,
    Table,
    UniqueConstraint,
)

from storage.types import UTCDateTime

metadata = MetaData(
    naming_convention={
        "ix": "ix_%(column_0_label)s",
        "uq": "uq_%(table_name)s_%(column_0_name)s",
        "ck": "ck_%(table_name)s_%(constraint_name)s",
        "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
        "pk": "pk_%(table_name)s",
    }
)

installations = Table(
    "installations",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("tenant_id", String(64), nullable=False),
    Column("team_thread_id", String(200), nullable=False),
    # The Graph team id (AAD group GUID); Teams' own team id is a thread id Graph cannot use.
    Column("aad_group_id", String(64), nullable=True),
    Column("team_name", String(200), nullable=True),
    Column("service_url", String(500), nullable=False),
    Column("installed_at", UTCDateTime(), nullable=False),
    Column("removed_at", UTCDateTime(), nullable=True),
    UniqueConstraint("team_thread_id"),
)

conversation_refs = Table(
    "conversation_refs",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    # "user:<aad object id>" for a 1:1 chat, "channel:<channel id>" for a channel.
    Column("key", String(300), nullable=False),
    Column("kind", String(20), nullable=False),
    Column("reference", JSON, nullable=False),
    Column("updated_at", UTCDateTime(), nullable=False),
    UniqueConstraint("key"),
)
