"""Offline checks of the deployment files that neither Bicep nor Docker can run here.

checkov and hadolint (infra/check.sh) cover the security rules they know; these tests cover
what they cannot see: parameters that match across files, app settings the app really reads,
and the PostgreSQL rules checkov has no Bicep checks for.
"""

from __future__ import annotations

import os
import re
import tomllib
from pathlib import Path

import pytest
from pydantic import AliasChoices

from graph.settings import GraphSettings
from settings import ROOT, Settings

INFRA = ROOT / "infra"
AZURE = INFRA / "azure"
PLATFORM_SETTINGS = {
    "APPLICATIONINSIGHTS_CONNECTION_STRING",
    "AZURE_CLIENT_ID",
    "WEBSITES_PORT",
    "WEBSITES_ENABLE_APP_SERVICE_STORAGE",
    "WEBSITE_HEALTHCHECK_MAXPINGFAILURES",
}
PRODUCTION_SETTINGS = {
    "STEPUP_MODE",
    "MicrosoftAppId",
    "MicrosoftAppPassword",
    "MicrosoftAppType",
    "MicrosoftAppTenantId",
    "DATABASE_URL",
    "STEPUP_PROFILE",
    "STEPUP_ENCRYPTION_KEYS",
    "STEPUP_HMAC_KEY",
}
# Microsoft Graph (docs/permissions.md): off unless graphEnabled, but always wired.
GRAPH_SETTINGS = {
    "STEPUP_GRAPH_ENABLED",
    "STEPUP_GRAPH_AUTH",
    "STEPUP_GRAPH_TENANT_ID",
    "STEPUP_GRAPH_CLIENT_ID",
    "STEPUP_GRAPH_CERTIFICATE_PATH",
    "STEPUP_GRAPH_CACHE_TTL",
}
GRAPH_SECRETS = {
    "STEPUP_GRAPH_CLIENT_SECRET": ("graphClientSecret", "graph-client-secret"),
    "STEPUP_GRAPH_CERTIFICATE_PASSWORD": ("graphCertificatePassword", "graph-certificate-password"),
}


def _text(path: Path) -> str:
    return path.read_text(encoding="utf-8")


def _params(bicep: str) -> dict[str, bool]:
    """Declared parameters -> whether each has a default."""
    return {
        match[1]: bool(match[2])
        for match in re.finditer(r"^param (\w+) [\w.]+( = .+)?$", bicep, flags=re.M)
    }


def _block(text: str, opening: str) -> str:
    """The body of the `{ ... }` block opened by the first line matching `opening`."""
    start = re.search(opening, text, flags=re.M)
    assert start, opening
    depth, pos = 0, text.index("{", start.start())
    for index in range(pos, len(text)):
        depth += {"{": 1, "}": -1}.get(text[index], 0)
        if depth == 0:
            return text[pos + 1 : index]
    raise AssertionError(f"unclosed block after {opening}")


def _keys(block: str, indent: int) -> set[str]:
    return set(re.findall(rf"^ {{{indent}}}'?([\w-]+)'?:", block, flags=re.M))


# --- Bicep ----------------------------------------------------------------------------------


def test_parameter_file_sets_only_declared_and_all_required_parameters() -> None:
    declared = _params(_text(AZURE / "main.bicep"))
    given = set(re.findall(r"^param (\w+) =", _text(AZURE / "main.test.bicepparam"), flags=re.M))
    assert given <= set(declared), given - set(declared)
    required = {name for name, has_default in declared.items() if not has_default}
    assert required <= given, required - given


def test_every_module_gets_exactly_the_parameters_it_declares() -> None:
    main = _text(AZURE / "main.bicep")
    calls = re.findall(r"^module (\w+) '([^']+)' = \{", main, flags=re.M)
    assert len(calls) >= 7
    for name, path in calls:
        declared = _params(_text(AZURE / path))
        passed = _keys(_block(_block(main, rf"^module {name} "), r"^  params: \{"), indent=4)
        required = {param for param, has_default in declared.items() if not has_default}
        assert passed <= set(declared), (name, passed - set(declared))
        assert required <= passed, (name, required - passed)


def _app_settings() -> tuple[set[str], set[str]]:
    """Plain and Key Vault app settings the template gives the web app."""
    app = _block(_text(AZURE / "main.bicep"), r"^module app ")
    plain = _keys(_block(app, r"^    settings: \{"), indent=6)
    site = _block(_text(AZURE / "modules" / "app.bicep"), r"^resource site ")
    plain |= set(re.findall(r"name: '(\w+)'", site[site.index("appSettings:") :]))
    secret = set(re.findall(r"(\w+): '[\w-]+'", app[app.index("secretSettings:") :]))
    return plain, secret


def test_app_settings_are_ones_the_app_reads_and_cover_production() -> None:
    plain, secret = _app_settings()
    names = plain | secret
    aliases = {
        alias
        for model in (Settings, GraphSettings)
        for field in model.model_fields.values()
        if isinstance(field.validation_alias, AliasChoices)
        for alias in field.validation_alias.choices
        if isinstance(alias, str)
    }
    assert PRODUCTION_SETTINGS <= names, PRODUCTION_SETTINGS - names
    unknown = names - PLATFORM_SETTINGS - aliases - PRODUCTION_SETTINGS
    assert not unknown, f"settings nobody reads: {unknown}"


def test_graph_settings_are_set_and_its_secrets_come_from_key_vault() -> None:
    main = _text(AZURE / "main.bicep")
    plain, secret = _app_settings()
    assert GRAPH_SETTINGS <= plain, GRAPH_SETTINGS - plain
    assert set(GRAPH_SECRETS) <= secret - plain, set(GRAPH_SECRETS) - (secret - plain)
    vault = _block(_block(main, r"^module vault "), r"^    secrets: \{")
    for setting, (param, vault_name) in GRAPH_SECRETS.items():
        assert re.search(rf"^@secure\(\)\nparam {param} string = ''$", main, flags=re.M), param
        assert f"'{vault_name}': {param}" in vault, vault_name
        assert f"{{ {setting}: '{vault_name}' }}" in main, setting
    # Off by default: a deployment without the Graph grants still starts (docs/permissions.md).
    assert "param graphEnabled bool = false" in main
    assert "STEPUP_GRAPH_ENABLED: string(graphEnabled)" in main


@pytest.mark.parametrize(
    ("module", "rules"),
    [
        (
            "app.bicep",
            [
                "httpsOnly: true",
                "minTlsVersion: '1.2'",
                "scmMinTlsVersion: '1.2'",
                "ftpsState: 'Disabled'",
                "healthCheckPath: '/readyz'",
                "type: 'UserAssigned'",
                "vnetRouteAllEnabled: true",
                "acrUseManagedIdentityCreds: true",
            ],
        ),
        (
            "postgres.bicep",
            [
                "publicNetworkAccess: 'Disabled'",
                "delegatedSubnetResourceId: delegatedSubnetId",
                "name: 'require_secure_transport'",
                "name: 'ssl_min_protocol_version'",
                "value: 'TLSv1.2'",
                "geoRedundantBackup: 'Enabled'",
            ],
        ),
        (
            "keyvault.bicep",
            [
                "enableRbacAuthorization: true",
                "enableSoftDelete: true",
                "enablePurgeProtection: true",
                "publicNetworkAccess: 'Disabled'",
                "defaultAction: 'Deny'",
            ],
        ),
        ("bot.bicep", ["name: 'MsTeamsChannel'", "msaAppType: appType", "'SingleTenant'"]),
        ("registry.bicep", ["adminUserEnabled: false", "anonymousPullEnabled: false"]),
    ],
)
def test_security_settings_are_in_place(module: str, rules: list[str]) -> None:
    text = _text(AZURE / "modules" / module)
    missing = [rule for rule in rules if rule not in text]
    assert not missing, f"{module} lost {missing}"


def test_every_checkov_suppression_gives_a_reason() -> None:
    for path in [*AZURE.rglob("*.bicep"), INFRA / "Dockerfile"]:
        for line in _text(path).splitlines():
            if "checkov:skip=" in line:
                assert re.search(r"checkov:skip=CKV2?_[A-Z]+_\d+:\S.{20,}", line), (path, line)


def test_check_script_runs_both_linters_and_is_executable() -> None:
    script = INFRA / "check.sh"
    assert os.access(script, os.X_OK)
    text = _text(script)
    assert 'checkov" -d infra --framework bicep dockerfile --quiet --compact' in text
    assert 'hadolint" --failure-threshold warning infra/Dockerfile' in text


# --- container ------------------------------------------------------------------------------


def test_dockerfile_runs_the_app_as_a_non_root_user_with_a_health_check() -> None:
    text = _text(INFRA / "Dockerfile")
    assert re.search(r"^FROM python:3\.11-slim", text, flags=re.M)
    users = re.findall(r"^USER (\S+)$", text, flags=re.M)
    assert users and users[-1] not in ("root", "0")
    health = re.search(r"^HEALTHCHECK .*\n?.*$", text, flags=re.M)
    assert health and "/healthz" in text and "urllib" in text
    assert "HOST=0.0.0.0" in text and "STEPUP_MODE=production" in text
    assert text.rstrip().endswith('CMD ["python", "app.py"]')
    assert "--require-hashes -r requirements/runtime.txt" in text
    assert "pip install --no-cache-dir --no-deps ." in text


def test_dockerignore_allows_every_runtime_package_and_nothing_secret() -> None:
    lines = [
        line.strip()
        for line in _text(ROOT / ".dockerignore").splitlines()
        if line.strip() and not line.startswith("#")
    ]
    assert lines[0] == "*"
    allowed = {line[1:].rstrip("/") for line in lines if line.startswith("!")}
    project = tomllib.loads(_text(ROOT / "pyproject.toml"))
    packages = {
        pattern.rstrip("*")
        for pattern in project["tool"]["setuptools"]["packages"]["find"]["include"]
    } - {"infra"}
    modules = {f"{name}.py" for name in project["tool"]["setuptools"]["py-modules"]}
    needed = {p for p in packages if (ROOT / p).is_dir()} | modules
    assert needed <= allowed, needed - allowed
    assert {"pyproject.toml", "README.md", "requirements/runtime.txt"} <= allowed
    assert not allowed & {".env", "var", ".venv", "node_modules", "tests"}
    assert "**/.env" in lines


def _pins(path: Path) -> dict[str, str]:
    pins = re.findall(r"^([A-Za-z0-9_.-]+)==(\S+?)\s", _text(path), flags=re.M)
    return {name.lower().replace("_", "-"): version for name, version in pins}


def test_the_container_lock_is_the_development_lock_without_the_dev_tools() -> None:
    """The image installs requirements/runtime.txt; the audit reads requirements/lock.txt.

    So every runtime pin must be in the development lock at the same version (what is audited is
    what ships), and the runtime lock must not carry the test and lint tools.
    """
    runtime, full = _pins(ROOT / "requirements/runtime.txt"), _pins(ROOT / "requirements/lock.txt")
    assert runtime, "no pins read from requirements/runtime.txt"
    assert {n: v for n, v in runtime.items() if full.get(n) != v} == {}
    assert not runtime.keys() & {"pytest", "mypy", "ruff", "pip-audit", "uv"}
    for lock in ("runtime.txt", "lock.txt"):
        blocks = re.split(r"\n(?=[A-Za-z0-9_.-]+==)", _text(ROOT / "requirements" / lock))
        unhashed = [b.split()[0] for b in blocks if "==" in b.split()[0] and "--hash=" not in b]
        assert unhashed == [], f"{lock}: pins without hashes"
