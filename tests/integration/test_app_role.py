"""The app's PostgreSQL login can run the bot but cannot rewrite or switch off the audit trail.

Issue 18: connected as the table owner, the application could disable its own append-only
triggers. The migrate step, run as the owner (`STEPUP_MIGRATION_DATABASE_URL`), makes the login
of `DATABASE_URL` a plain member of `stepup_app`; these tests connect as that login and try
what an attacker holding the app's credentials would, then run the real bot as it.
"""

from __future__ import annotations

import traceback
import uuid
from collections.abc import AsyncIterator
from pathlib import Path

import asyncpg
import pytest
from sqlalchemy.engine import make_url

from services.clock import MovableClock
from storage import migrate
from storage.app_role import APP_ROLE, AppRoleError
from storage.db import create_engine
from tests.e2e.test_everyday_forms import latest_card, submit_request
from tests.support import activities as act
from tests.support.databases import SKIP_REASON, fresh_database, postgres_admin_url
from tests.support.dates import next_working_day_at
from tests.support.fake_connector import FakeConnector
from tests.support.harness import installed_bot
from tests.support.press import CardForm, card_of, place_of, press, texts_of

pytestmark = [
    pytest.mark.postgres,
    pytest.mark.skipif(postgres_admin_url() is None, reason=SKIP_REASON),
]


def _plain(url: str) -> str:
    return make_url(url).set(drivername="postgresql").render_as_string(hide_password=False)


@pytest.fixture
async def logins(tmp_path: Path) -> AsyncIterator[tuple[str, str]]:
    """(owner URL, app URL) of a fresh database migrated with the two logins split."""
    login = f"stepup_login_{uuid.uuid4().hex[:10]}"
    try:
        async with fresh_database("postgres", tmp_path) as owner_url:
            app_url = make_url(owner_url).set(username=login).render_as_string(False)
            await migrate.upgrade_as(app_url, owner_url)
            yield owner_url, app_url
    finally:
        admin = postgres_admin_url()
        assert admin is not None
        conn = await asyncpg.connect(_plain(admin))
        try:
            await conn.execute(f'DROP ROLE IF EXISTS "{login}"')
        finally:
            await conn.close()


async def _count(url: str, table: str) -> int:
    conn = await asyncpg.connect(_plain(url))
    try:
        return int(await conn.fetchval(f"SELECT count(*) FROM {table}"))
    finally:
        await conn.close()


@pytest.mark.parametrize(
    "statement",
    [
        "ALTER TABLE consultation_events DISABLE TRIGGER ALL",
        "DROP TRIGGER consultation_events_append_only ON consultation_events",
        "ALTER TABLE access_audit DISABLE TRIGGER USER",
        "TRUNCATE consultation_events",
        "DELETE FROM consultation_events",
        "UPDATE consultation_events SET kind = kind",
        "DELETE FROM access_audit",
        "DROP TABLE consultations",
        "CREATE TABLE smuggled (x int)",
        "UPDATE alembic_version SET version_num = '0001'",
    ],
)
async def test_the_app_login_is_refused_what_would_rewrite_history(
    logins: tuple[str, str], statement: str
) -> None:
    _, app_url = logins
    conn = await asyncpg.connect(_plain(app_url))
    try:
        with pytest.raises(asyncpg.InsufficientPrivilegeError):
            await conn.execute(statement)
    finally:
        await conn.close()


async def test_the_app_login_holds_only_its_group_and_the_rights_the_bot_uses(
    logins: tuple[str, str],
) -> None:
    owner_url, app_url = logins
    conn = await asyncpg.connect(_plain(app_url))
    try:
        me = await conn.fetchrow(
            "SELECT rolsuper, rolcreaterole, rolcreatedb FROM pg_roles WHERE rolname = current_user"
        )
        groups = await conn.fetch(
            "SELECT g.rolname FROM pg_auth_members m JOIN pg_roles g ON g.oid = m.roleid "
            "WHERE m.member = (SELECT oid FROM pg_roles WHERE rolname = current_user)"
        )
        rights = {
            (table, verb): await conn.fetchval("SELECT has_table_privilege($1, $2)", table, verb)
            for table in (
                "consultations",
                "consultation_events",
                "access_audit",
                "escalation_outbox",
            )
            for verb in ("SELECT", "INSERT", "UPDATE", "DELETE")
        }
        owners = await conn.fetchval(
            "SELECT count(*) FROM pg_tables WHERE schemaname = current_schema() "
            "AND tableowner = current_user"
        )
    finally:
        await conn.close()
    assert me is not None and not any(me.values())
    assert [g["rolname"] for g in groups] == [APP_ROLE]
    assert owners == 0
    assert all(rights[("consultations", verb)] for verb in ("SELECT", "INSERT", "UPDATE"))
    for table in ("consultation_events", "access_audit"):
        assert rights[(table, "SELECT")] and rights[(table, "INSERT")]
        assert not rights[(table, "UPDATE")] and not rights[(table, "DELETE")]
    # A second migrate (the next release) keeps the login working and changes nothing else.
    await migrate.upgrade_as(app_url, owner_url)
    engine = create_engine(app_url)
    try:
        assert await migrate.is_up_to_date(engine)
    finally:
        await engine.dispose()


async def test_the_bot_runs_a_request_to_its_outcome_as_the_least_privileged_login(
    logins: tuple[str, str], connector: FakeConnector
) -> None:
    owner_url, app_url = logins
    async with installed_bot(
        app_url, connector, next_working_day_at(10), migration_database_url=owner_url
    ) as bot:
        ready = await bot.raw("GET", "/readyz")
        assert ready.status == 200, ready.body
        thread = await submit_request(bot)
        place = place_of(thread)
        # The tick as this login: unacknowledged at the end of the day, it records and sends.
        assert isinstance(bot.clock, MovableClock) and bot.runtime.ticker is not None
        bot.clock.set(next_working_day_at(17, 45))
        await bot.runtime.ticker.run_now()
        assert await _count(owner_url, "escalations") >= 1
        assert await _count(owner_url, "escalation_outbox") >= 1
        acked = await press(bot, act.TOM, latest_card(bot, thread), "Acknowledge", place)
        assert "Acknowledged" in texts_of(card_of(acked))
        opened = await press(bot, act.TOM, latest_card(bot, thread), "Record outcome", place)
        outcome = CardForm(card_of(opened))
        outcome.choose("Outcome", "Threshold met: step up to Level 4 agreed")
        outcome.choose("Area team (if threshold met)", "South Area Assessment Team")
        outcome.toggle("I have created the contact and transferred it")
        recorded = await press(bot, act.TOM, outcome, "Record outcome", place)
        assert recorded.status == 200, recorded.body
        assert "South Area Assessment Team" in texts_of(latest_card(bot, thread).cards[0])


async def test_a_failed_login_setup_names_no_password(tmp_path: Path) -> None:
    secret = "never-in-a-message-" + uuid.uuid4().hex
    async with fresh_database("postgres", tmp_path) as owner_url:
        # A reserved role cannot be altered: the step fails where the password is set.
        app_url = (
            make_url(owner_url)
            .set(username="pg_read_all_data", password=secret)
            .render_as_string(False)
        )
        with pytest.raises(AppRoleError) as raised:
            await migrate.upgrade_as(app_url, owner_url)
    assert "SQLSTATE" in str(raised.value)
    text = "".join(traceback.format_exception(raised.value))
    assert secret not in text
