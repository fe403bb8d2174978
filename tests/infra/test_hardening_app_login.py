"""The app connects to PostgreSQL as its own least-privilege login, never as the tables' owner.

A table's owner can disable or drop its triggers, so an app holding the administrator's URL
could switch off the append-only audit trail (issue 18 item 11). The administrator's URL is
only the migration step's, and reaches the app only when it migrates on start.
"""

from __future__ import annotations

import re

from settings import ROOT

MAIN = ROOT / "infra" / "azure" / "main.bicep"


def _main() -> str:
    return MAIN.read_text(encoding="utf-8")


def _var(text: str, name: str) -> str:
    found = re.search(rf"^var {name} = '(.*)'$", text, flags=re.M)
    assert found is not None, f"var {name} is missing"
    return found[1]


def test_the_app_database_url_names_the_app_login_and_the_admin_url_only_migrates() -> None:
    main = _main()
    assert _var(main, "appDatabaseUrl").startswith("postgresql://${postgresAppLogin}:")
    assert _var(main, "adminDatabaseUrl").startswith("postgresql://${postgresAdminLogin}:")
    assert "'database-url': appDatabaseUrl\n" in main
    assert "'migration-database-url': adminDatabaseUrl\n" in main
    # No way back to the owner's URL for the app: no conditional, no second assignment.
    assert main.count("'database-url':") == 1
    secrets = main[main.index("secretSettings:") :]
    assert "DATABASE_URL: 'database-url'" in secrets
    assert "migrateOnStart ? { STEPUP_MIGRATION_DATABASE_URL: 'migration-database-url' }" in secrets


def test_the_app_login_password_is_required_and_secure() -> None:
    main = _main()
    declared = re.search(r"((?:^@.*\n)+)param postgresAppPassword string(.*)$", main, flags=re.M)
    assert declared is not None
    decorators, default = declared[1], declared[2]
    assert "@secure()" in decorators and "@minLength(16)" in decorators
    assert default.strip() == "", "a default would let a deployment fall back to the owner"
