"""Alembic environment: runs on the connection `storage.migrate` hands over (sync, in a thread)."""

from __future__ import annotations

from alembic import context

from storage.tables import metadata

connection = context.config.attributes.get("connection")
if connection is None:  # pragma: no cover - only `storage.migrate` drives Alembic
    raise RuntimeError("run migrations through `python app.py migrate`")

context.configure(
    connection=connection,
    target_metadata=metadata,
    render_as_batch=connection.dialect.name == "sqlite",
    compare_type=True,
)
with context.begin_transaction():
    context.run_migrations()
