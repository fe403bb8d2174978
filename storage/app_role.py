"""The application's own PostgreSQL role: enough to run the bot, not enough to rewrite history.

The tables belong to the login that runs the migrations. Only a table's owner may disable or
drop its triggers, so an application that connected as the owner could switch off the
append-only triggers of the audit trail (and TRUNCATE or DROP anything). The migrate step
therefore keeps a group role, `stepup_app`, with exactly the rights the bot uses:

- read and write on the working tables;
- on the append-only tables (the event log and the access audit) only SELECT and INSERT, so the
  database refuses an UPDATE, DELETE or TRUNCATE twice over (privilege, then trigger);
- read-only on `alembic_version` (the readiness check reads it); no CREATE anywhere.

When `DATABASE_URL` names another login than the one migrating (`STEPUP_MIGRATION_DATABASE_URL`),
that login is created or updated as a plain LOGIN member of `stepup_app`, with the password the
URL holds, so a deployment keeps one secret per login and nothing is granted by hand.

The grants are re-applied after every upgrade (they are idempotent), so a table a later
migration adds is covered without that migration having to remember it.
"""

from __future__ import annotations

import logging

from sqlalchemy import text
from sqlalchemy.engine import URL
from sqlalchemy.exc import DBAPIError
from sqlalchemy.ext.asyncio import AsyncConnection

log = logging.getLogger(__name__)

APP_ROLE = "stepup_app"
# Tables whose rows the application may add but never change: the audit trail.
APPEND_ONLY = ("consultation_events", "access_audit", "flow_case_events")
READ_ONLY = ("alembic_version",)


class AppRoleError(RuntimeError):
    """The app login could not be set up (the message holds no password)."""


_CREATE_GROUP = f"""
DO $$ BEGIN
    CREATE ROLE {APP_ROLE} NOLOGIN;
EXCEPTION
    -- Roles are shared by the whole server: another database's migration may have made it,
    -- even at the same moment (then the catalogue's unique index answers instead).
    WHEN duplicate_object OR unique_violation THEN NULL;
END $$
"""


async def grant_app_role(connection: AsyncConnection, app_login: URL | None) -> None:
    """Apply `stepup_app`'s rights in this database; make `app_login` a member of it."""
    if connection.dialect.name != "postgresql":
        return
    await connection.exec_driver_sql(_CREATE_GROUP)
    database = await connection.scalar(text("SELECT current_database()"))
    schema = await connection.scalar(text("SELECT current_schema()"))
    await _execute_formatted(connection, "GRANT CONNECT ON DATABASE %I TO " + APP_ROLE, database)
    await _execute_formatted(connection, "GRANT USAGE ON SCHEMA %I TO " + APP_ROLE, schema)
    await _execute_formatted(
        connection,
        "GRANT SELECT, INSERT, UPDATE, DELETE ON ALL TABLES IN SCHEMA %I TO " + APP_ROLE,
        schema,
    )
    await _execute_formatted(
        connection, "GRANT USAGE, SELECT ON ALL SEQUENCES IN SCHEMA %I TO " + APP_ROLE, schema
    )
    for table in APPEND_ONLY:
        await connection.exec_driver_sql(
            f"REVOKE UPDATE, DELETE, TRUNCATE ON {table} FROM {APP_ROLE}"
        )
    for table in READ_ONLY:
        await connection.exec_driver_sql(f"REVOKE ALL ON {table} FROM {APP_ROLE}")
        await connection.exec_driver_sql(f"GRANT SELECT ON {table} TO {APP_ROLE}")
    if app_login is not None:
        await _ensure_login(connection, app_login)


async def _ensure_login(connection: AsyncConnection, app_login: URL) -> None:
    login = app_login.username
    current = await connection.scalar(text("SELECT current_user"))
    if not login or login == current:
        log.warning("database.app_role.same_login")  # the app would own its tables
        return
    exists = await connection.scalar(
        text("SELECT 1 FROM pg_roles WHERE rolname = :name"), {"name": login}
    )
    verb = "ALTER" if exists else "CREATE"
    options = "LOGIN INHERIT NOSUPERUSER NOCREATEDB NOCREATEROLE"
    if app_login.password:
        # format() quotes the password server-side (%L). A failed statement's error would quote
        # the SQL, password and all, into the traceback: say what failed without it.
        try:
            await _execute_formatted(
                connection, f"{verb} ROLE %I {options} PASSWORD %L", login, app_login.password
            )
        except DBAPIError as error:
            code = getattr(error.orig, "sqlstate", None) or "unknown"
            raise AppRoleError(f"{verb} ROLE for the app login failed (SQLSTATE {code})") from None
    else:
        await _execute_formatted(connection, f"{verb} ROLE %I {options}", login)
    await _execute_formatted(connection, f"GRANT {APP_ROLE} TO %I", login)
    log.info("database.app_role.login_ready", extra={"new_login": not exists})


async def _execute_formatted(connection: AsyncConnection, template: str, *values: str) -> None:
    """Run DDL whose identifiers/literals are quoted by PostgreSQL's own format()."""
    # The casts tell asyncpg the parameters' type (format() takes "any").
    placeholders = ", ".join(f"CAST(:v{i} AS text)" for i in range(len(values)))
    statement = await connection.scalar(
        text(f"SELECT format(CAST(:template AS text), {placeholders})"),
        {"template": template, **{f"v{i}": value for i, value in enumerate(values)}},
    )
    assert isinstance(statement, str)
    await connection.exec_driver_sql(statement)
