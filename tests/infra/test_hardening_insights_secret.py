"""The Application Insights connection string reaches the app through Key Vault only.

It carries the ingestion key: as a plain app setting anyone allowed to read the web app's
configuration saw it, and as a module output it stayed in the deployment history.
"""

from __future__ import annotations

import re
from pathlib import Path

from settings import ROOT

AZURE = ROOT / "infra" / "azure"
SETTING = "APPLICATIONINSIGHTS_CONNECTION_STRING"
SECRET = "appinsights-connection-string"


def _bicep() -> dict[Path, str]:
    return {path: path.read_text(encoding="utf-8") for path in AZURE.rglob("*.bicep")}


def test_the_connection_string_is_no_plain_setting_and_no_output() -> None:
    for path, text in _bicep().items():
        assert f"name: '{SETTING}'" not in text, f"{path.name} sets it in clear"
        outputs = re.findall(r"^output \w+ \w+ = (.+)$", text, flags=re.M)
        leaking = [value for value in outputs if "ConnectionString" in value]
        assert not leaking, f"{path.name} outputs {leaking}"


def test_it_is_a_key_vault_reference_to_a_secret_written_from_the_resource() -> None:
    main = (AZURE / "main.bicep").read_text(encoding="utf-8")
    secrets = main[main.index("secretSettings:") :]
    assert f"{SETTING}: '{SECRET}'" in secrets
    module = re.search(
        r"^module (\w+) 'modules/insights-secret\.bicep' = \{(.*?)^\}", main, flags=re.M | re.S
    )
    assert module is not None and f"secretName: '{SECRET}'" in module[2]
    app = main[main.index("module app ") :]
    assert re.search(rf"dependsOn: \[\s*{module[1]}\s*\]", app), "the app may start first"
    written = (AZURE / "modules" / "insights-secret.bicep").read_text(encoding="utf-8")
    assert "value: insights.properties.ConnectionString" in written
    assert "Microsoft.Insights/components@2020-02-02' existing" in written
