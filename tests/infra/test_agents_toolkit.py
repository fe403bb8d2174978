"""The Microsoft 365 Agents Toolkit and azd project files, checked offline.

m365agents.yml against the toolkit's own schema (vendored, tests/infra/schemas/NOTICE.md);
appPackage/ against the generator of `python app.py package`; every `${{VAR}}` against the
env files; the parameter files against main.bicep; azure.yaml against what azd needs.
"""

from __future__ import annotations

import copy
import json
import os
import re
import shutil
import subprocess
import zipfile
from pathlib import Path
from typing import Any

import jsonschema
import pytest
import yaml

from infra.package import TEMPLATE_PLACEHOLDERS, package_files, write_template
from infra.teams.manifest import build_manifest
from settings import ROOT
from tests.infra.helpers import BOT_ID, package_settings

SCHEMAS = Path(__file__).parent / "schemas"
TOOLKIT_SCHEMA = SCHEMAS / "m365agents.v1.13.yaml.schema.json"
AZD_SCHEMA = Path(os.environ.get("STEPUP_AZD_SCHEMA", SCHEMAS / "azure.yaml.json"))
APP_PACKAGE = ROOT / "appPackage"
AZURE = ROOT / "infra" / "azure"
ENV = ROOT / "env"
PLACEHOLDER = re.compile(r"\$\{\{ *([A-Za-z_][A-Za-z0-9_]*) *\}\}")  # the toolkit's own pattern
AZD_VARIABLE = re.compile(r"\$\{([A-Za-z_][A-Za-z0-9_]*)(=[^}]*)?\}")
NODE = shutil.which("node")
ATK = os.environ.get("STEPUP_ATK") or shutil.which("atk")
"""The toolkit's CLI (npm @microsoft/m365agentstoolkit-cli, about 450 MB installed): not a
dependency of the project, so its two offline checks run only where it is installed."""
BASH = shutil.which("bash")
TEAMS_APP_ID = "6c3f1e2a-7b4d-4c5e-9f60-718293a4b5c6"


def _yaml(path: Path) -> dict[str, Any]:
    loaded = yaml.safe_load(path.read_text(encoding="utf-8"))
    assert isinstance(loaded, dict), path
    return loaded


def _toolkit_files() -> list[Path]:
    return sorted(ROOT.glob("m365agents*.yml"))


def _actions(project: dict[str, Any]) -> list[dict[str, Any]]:
    return [action for stage in ("provision", "deploy", "publish") for action in project[stage]]


def _uses(project: dict[str, Any], stage: str) -> list[str]:
    return [action["uses"] for action in project[stage]]


def _env_file(path: Path) -> dict[str, str]:
    """KEY=value lines (the toolkit reads them with dotenv)."""
    values = {}
    for line in path.read_text(encoding="utf-8").splitlines():
        if line.strip() and not line.lstrip().startswith("#"):
            key, _, value = line.partition("=")
            values[key.strip()] = value.strip()
    return values


def _bicep() -> str:
    return (AZURE / "main.bicep").read_text(encoding="utf-8")


def _bicep_params() -> dict[str, tuple[bool, bool]]:
    """main.bicep's parameters -> (has a default, is @secure())."""
    params: dict[str, tuple[bool, bool]] = {}
    secure = False
    for line in _bicep().splitlines():
        if line.startswith("@secure()"):
            secure = True
        match = re.match(r"^param (\w+) [\w.]+( = .+)?$", line)
        if match:
            params[match[1]] = (bool(match[2]), secure)
            secure = False
    return params


def _bicep_outputs() -> list[str]:
    return re.findall(r"^output (\w+) ", _bicep(), flags=re.M)


def _parameters(name: str) -> dict[str, Any]:
    document = json.loads((AZURE / name).read_text(encoding="utf-8"))
    return {key: entry["value"] for key, entry in document["parameters"].items()}


# --- appPackage/: generated, never forked --------------------------------------------------


def test_app_package_is_exactly_what_the_generator_writes(tmp_path: Path) -> None:
    """`python app.py package --template appPackage/` was run after the last manifest change."""
    written = {path.name: path.read_bytes() for path in write_template(tmp_path / "appPackage")}
    checked_in = {path.name: path.read_bytes() for path in APP_PACKAGE.iterdir() if path.is_file()}
    assert sorted(checked_in) == sorted(written) == ["color.png", "manifest.json", "outline.png"]
    for name, data in written.items():
        assert checked_in[name] == data, f"appPackage/{name} is stale: run the command above"


def _filled_in(values: dict[str, str]) -> dict[str, Any]:
    text = (APP_PACKAGE / "manifest.json").read_text(encoding="utf-8")
    missing = set(PLACEHOLDER.findall(text)) - set(values)
    assert not missing, missing
    filled = PLACEHOLDER.sub(lambda match: values[match[1]], text)
    manifest: dict[str, Any] = json.loads(filled)
    return manifest


FILLED = {
    "TEAMS_APP_ID": TEAMS_APP_ID,
    "BOT_ID": BOT_ID,
    "BOT_DOMAIN": "app-stepup-test-abc123.azurewebsites.net",
    "APP_NAME_SUFFIX": " (test)",
    "TEAMS_APP_VERSION": "1.2.3",
    "DEVELOPER_NAME": "Northdown Council",
    "DEVELOPER_WEBSITE_URL": "https://www.northdown.example/stepup",
    "PRIVACY_URL": "https://www.northdown.example/stepup/privacy",
    "TERMS_URL": "https://www.northdown.example/stepup/terms",
}


def test_filled_in_template_is_the_manifest_app_py_package_builds() -> None:
    """The toolkit's package and `python app.py package` differ only in the settings."""
    settings = package_settings(
        teams_app_id=TEAMS_APP_ID,
        bot_app_id=BOT_ID,
        public_host=FILLED["BOT_DOMAIN"],
        app_name="Step Up Bot (test)",
        package_version=FILLED["TEAMS_APP_VERSION"],
        developer_name=FILLED["DEVELOPER_NAME"],
        developer_website_url=FILLED["DEVELOPER_WEBSITE_URL"],
        privacy_url=FILLED["PRIVACY_URL"],
        terms_url=FILLED["TERMS_URL"],
    )
    assert _filled_in(FILLED) == build_manifest(settings)
    files = package_files(settings)
    assert all(
        files[name] == (APP_PACKAGE / name).read_bytes() for name in ("color.png", "outline.png")
    )


def test_every_per_environment_setting_is_a_placeholder() -> None:
    text = (APP_PACKAGE / "manifest.json").read_text(encoding="utf-8")
    assert set(PLACEHOLDER.findall(text)) == set(FILLED)
    assert set(TEMPLATE_PLACEHOLDERS.values()) <= {f"${{{{{name}}}}}" for name in FILLED}
    assert "00000000-0000-0000-0000-000000000001" not in text  # no demo bot id


@pytest.mark.skipif(NODE is None, reason="node is not installed (it runs the schema)")
def test_filled_in_template_passes_the_teams_schema(tmp_path: Path) -> None:
    path = tmp_path / "manifest.json"
    path.write_text(json.dumps(_filled_in(FILLED)), encoding="utf-8")
    assert NODE is not None
    done = subprocess.run(  # noqa: S603 - our own validator, no shell
        [NODE, str(ROOT / "infra" / "teams" / "validate_manifest.mjs"), str(path)],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert (done.returncode, json.loads(done.stdout).get("errors")) == (0, [])


def _toolkit_project(tmp_path: Path, values: dict[str, str]) -> Path:
    """A copy of the toolkit's files with env/.env.dev holding `values`."""
    project = tmp_path / "project"
    shutil.copytree(APP_PACKAGE, project / "appPackage")
    (project / "env").mkdir()
    (project / "env" / ".env.dev").write_text(
        "TEAMSFX_ENV=dev\n" + "".join(f'{key}="{value}"\n' for key, value in values.items()),
        encoding="utf-8",
    )
    shutil.copy(ROOT / "m365agents.yml", project / "m365agents.yml")
    return project


def _atk(project: Path, *arguments: str) -> subprocess.CompletedProcess[str]:
    assert ATK is not None
    return subprocess.run(  # noqa: S603 - the toolkit's CLI, no shell
        [ATK, *arguments, "--env", "dev", "--interactive", "false"],
        cwd=project,
        env={**os.environ, "HOME": str(project.parent / "home")},  # its ~/.fx stays in tmp
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


@pytest.mark.skipif(
    ATK is None, reason="atk is not installed (npm i -g @microsoft/m365agentstoolkit-cli)"
)
def test_toolkit_cli_validates_and_zips_the_filled_in_manifest_offline(tmp_path: Path) -> None:
    project = _toolkit_project(tmp_path, FILLED)
    checked = _atk(project, "validate", "--manifest-file", "./appPackage/manifest.json")
    assert checked.returncode == 0, checked.stdout + checked.stderr
    zipped = _atk(project, "package")
    assert zipped.returncode == 0, zipped.stdout + zipped.stderr
    with zipfile.ZipFile(project / "appPackage" / "build" / "appPackage.dev.zip") as archive:
        assert sorted(archive.namelist()) == ["color.png", "manifest.json", "outline.png"]
        assert json.loads(archive.read("manifest.json")) == _filled_in(FILLED)
    # A missing value is refused, not zipped with the placeholder left in.
    project = _toolkit_project(tmp_path / "missing", {**FILLED, "BOT_ID": ""})
    refused = _atk(project, "validate", "--manifest-file", "./appPackage/manifest.json")
    assert refused.returncode != 0 and "BOT_ID" in refused.stdout + refused.stderr


# --- m365agents.yml ----------------------------------------------------------------------------


def _toolkit_validator() -> jsonschema.Draft7Validator:
    schema = json.loads(TOOLKIT_SCHEMA.read_text(encoding="utf-8"))
    jsonschema.Draft7Validator.check_schema(schema)
    return jsonschema.Draft7Validator(schema)


def _schema_errors(project: dict[str, Any]) -> list[str]:
    return [
        f"{'/'.join(str(p) for p in error.absolute_path)}: {error.message[:200]}"
        for error in _toolkit_validator().iter_errors(project)
    ]


@pytest.mark.parametrize("path", _toolkit_files(), ids=lambda path: path.name)
def test_toolkit_project_matches_the_toolkit_schema(path: Path) -> None:
    project = _yaml(path)
    assert _schema_errors(project) == []
    schema = json.loads(TOOLKIT_SCHEMA.read_text(encoding="utf-8"))
    assert project["version"] == schema["properties"]["version"]["const"] == "v1.13"
    assert f"/{project['version']}/yaml.schema.json" in path.read_text(encoding="utf-8")


def test_toolkit_schema_rejects_a_misspelt_action_and_a_missing_argument() -> None:
    project = _yaml(ROOT / "m365agents.yml")
    misspelt = copy.deepcopy(project)
    misspelt["provision"][0]["uses"] = "teamsApp/creat"
    assert _schema_errors(misspelt)
    missing = copy.deepcopy(project)
    arm = next(action for action in missing["provision"] if action["uses"] == "arm/deploy")
    del arm["with"]["resourceGroupName"]
    assert _schema_errors(missing)


def test_stages_do_what_docs_deploy_md_says() -> None:
    project = _yaml(ROOT / "m365agents.yml")
    assert _uses(project, "provision") == [
        "teamsApp/create",
        "arm/deploy",
        "script",
        "teamsApp/validateManifest",
        "teamsApp/zipAppPackage",
        "teamsApp/validateAppPackage",
        "teamsApp/update",
    ]
    # The copy step, read the way the toolkit reads a script's output.
    outputs = {"BOTAPPID": BOT_ID, "PUBLICHOST": FILLED["BOT_DOMAIN"]}
    echoed = PLACEHOLDER.sub(
        lambda match: outputs[match[1]], project["provision"][2]["with"]["run"]
    )
    assert dict(re.findall(r"::set-teamsfx-env\s+(\w+)=([^\"'\s]+)", echoed)) == {
        "BOT_ID": BOT_ID,
        "BOT_DOMAIN": FILLED["BOT_DOMAIN"],
    }
    assert _uses(project, "deploy") == ["script", "script", "script"]
    assert _uses(project, "publish")[-1] == "teamsApp/publishAppPackage"
    # The bot's identity is the council's own: no registration made by the toolkit.
    every = {action["uses"] for action in _actions(project)}
    assert not every & {"botAadApp/create", "aadApp/create", "botFramework/create"}


def test_paths_in_the_toolkit_project_exist() -> None:
    project = _yaml(ROOT / "m365agents.yml")
    for action in _actions(project):
        arguments = action.get("with", {})
        if "manifestPath" in arguments:
            assert (ROOT / arguments["manifestPath"]).is_file()
        for template in arguments.get("templates", []):
            assert (ROOT / template["path"]).resolve() == (AZURE / "main.bicep").resolve()
            assert (ROOT / template["parameters"]).is_file()
    assert project["environmentFolderPath"] == "./env"


def _written_by_actions(project: dict[str, Any]) -> set[str]:
    names: set[str] = set()
    for action in _actions(project):
        names.update(action.get("writeToEnvironmentFile", {}).values())
        if action["uses"] == "script":  # the toolkit reads these lines of its output
            names.update(re.findall(r"::set-teamsfx-env (\w+)=", action["with"]["run"]))
    return names


def test_every_placeholder_is_defined_or_written_by_an_action() -> None:
    project = _yaml(ROOT / "m365agents.yml")
    env = _env_file(ENV / ".env.dev")
    secrets = _env_file(ENV / ".env.dev.user.sample")
    # arm/deploy writes each output under its name upper-cased (no underscores added).
    outputs = {name.upper() for name in _bicep_outputs()}
    defined = set(env) | set(secrets) | _written_by_actions(project) | outputs
    used: dict[str, set[str]] = {}
    for path in [*_toolkit_files(), AZURE / "azure.parameters.json", APP_PACKAGE / "manifest.json"]:
        for name in PLACEHOLDER.findall(path.read_text(encoding="utf-8")):
            used.setdefault(name, set()).add(path.name)
    undefined = {name: files for name, files in used.items() if name not in defined}
    assert undefined == {}
    # Whatever provision writes is listed (empty) in the committed env file, so it is documented.
    assert (outputs | _written_by_actions(project)) - set(env) == set()


def test_committed_env_file_holds_no_secret() -> None:
    env = _env_file(ENV / ".env.dev")
    secrets = _env_file(ENV / ".env.dev.user.sample")
    assert not [name for name in env if name.startswith("SECRET_")]
    assert set(secrets) == {
        "SECRET_BOT_PASSWORD",
        "SECRET_PG_ADMIN_PASSWORD",
        "SECRET_PG_APP_PASSWORD",
        "SECRET_ENCRYPTION_KEYS",
        "SECRET_HMAC_KEY",
    }
    assert set(secrets.values()) == {""}
    assert env["BOT_ID"] == "" and env["TEAMS_APP_ID"] == ""


@pytest.mark.skipif(shutil.which("git") is None, reason="git is not installed")
def test_git_ignores_the_secret_files_and_keeps_the_sample() -> None:
    def ignored(path: str) -> bool:
        done = subprocess.run(  # noqa: S603 - fixed arguments
            ["git", "check-ignore", "-q", "--no-index", path],  # noqa: S607
            cwd=ROOT,
            check=False,
        )
        return done.returncode == 0

    assert ignored("env/.env.dev.user") and ignored("env/.env.prod.user")
    assert ignored("appPackage/build/appPackage.dev.zip")
    assert not ignored("env/.env.dev") and not ignored("env/.env.dev.user.sample")


@pytest.mark.skipif(BASH is None, reason="bash is not installed")
def test_deploy_scripts_are_valid_bash() -> None:
    project = _yaml(ROOT / "m365agents.yml")
    scripts = [action["with"] for action in project["deploy"] if action["uses"] == "script"]
    assert len(scripts) == 3 and all(script["shell"] == "bash" for script in scripts)
    for script in scripts:
        body = PLACEHOLDER.sub("value", script["run"])
        assert BASH is not None
        done = subprocess.run(  # noqa: S603 - parses only (-n), runs nothing
            [BASH, "-n"], input=body, capture_output=True, text=True, check=False
        )
        assert done.returncode == 0, done.stderr


def test_deploy_pushes_the_image_the_template_runs() -> None:
    """The tag deploy builds is the one provision's containerImage names."""
    project = _yaml(ROOT / "m365agents.yml")
    build, point, _ = (action["with"]["run"] for action in project["deploy"])
    image = _parameters("azure.parameters.json")["containerImage"]
    assert image == "stepup-bot:${{STEPUP_IMAGE_TAG}}"
    assert f'--image "{image}"' in build and "--file infra/Dockerfile ." in build
    assert f"DOCKER|${{{{REGISTRYLOGINSERVER}}}}/{image}" in point


# --- the parameter files -----------------------------------------------------------------------


@pytest.mark.parametrize("name", ["azure.parameters.json", "main.parameters.json"])
def test_parameter_file_supplies_every_required_parameter(name: str) -> None:
    params = _bicep_params()
    given = _parameters(name)
    required = {param for param, (has_default, _) in params.items() if not has_default}
    assert required >= {
        "environmentName",
        "containerImage",
        "postgresAdminPassword",
        "postgresAppPassword",  # the app never connects as the tables' owner
    }
    assert required - set(given) == set()
    assert set(given) - set(params) == set(), "not a parameter of main.bicep"


def test_toolkit_parameters_take_secrets_only_from_secret_variables() -> None:
    given = _parameters("azure.parameters.json")
    for param, (_, secure) in _bicep_params().items():
        if param in given:
            names = PLACEHOLDER.findall(str(given[param]))
            if secure:
                assert [given[param]] == [f"${{{{{n}}}}}" for n in names]
                assert all(n.startswith("SECRET_") for n in names), param
            else:
                assert not any(n.startswith("SECRET_") for n in names), param


def test_azd_parameters_take_secrets_only_from_the_environment() -> None:
    given = _parameters("main.parameters.json")
    for param, (_, secure) in _bicep_params().items():
        if secure and param in given:
            match = AZD_VARIABLE.fullmatch(given[param])
            assert match and not match[2], f"{param}: an unset secret must not get a default"


# --- azure.yaml (azd) --------------------------------------------------------------------------


def test_azure_yaml_provisions_the_bicep_and_deploys_the_container() -> None:
    project = _yaml(ROOT / "azure.yaml")
    assert re.fullmatch(r"[a-z0-9]([-a-z0-9]*[a-z0-9])?", project["name"])
    infra = project["infra"]
    assert (ROOT / infra["path"] / f"{infra['module']}.bicep").resolve() == AZURE / "main.bicep"
    assert infra["provider"] == "bicep"
    assert (ROOT / infra["path"] / f"{infra['module']}.parameters.json").is_file()
    (service,) = project["services"].values()
    # host appservice takes a container from azd 1.27.0 on (language: docker).
    assert (service["host"], service["language"]) == ("appservice", "docker")
    assert service["project"] == "."
    assert project["requiredVersions"]["azd"] == ">= 1.27.0"
    docker = service["docker"]
    assert (ROOT / docker["path"]).resolve() == ROOT / "infra" / "Dockerfile"
    assert docker["context"] == "." and docker["remoteBuild"] is True
    outputs = set(_bicep_outputs())  # azd keeps the outputs' own names
    for value in (service["resourceName"], docker["registry"]):
        match = AZD_VARIABLE.fullmatch(value)
        assert match and match[1] in outputs, value
    image = _parameters("main.parameters.json")["containerImage"]
    assert image == f"{docker['image']}:{docker['tag']}"


def test_azure_yaml_matches_azd_schema() -> None:
    if not AZD_SCHEMA.is_file():
        pytest.skip(f"azd's schema is not vendored ({AZD_SCHEMA}; tests/infra/schemas/NOTICE.md)")
    schema = json.loads(AZD_SCHEMA.read_text(encoding="utf-8"))
    validator = jsonschema.Draft201909Validator(schema)
    project = _yaml(ROOT / "azure.yaml")
    assert [error.message for error in validator.iter_errors(project)] == []
    broken = copy.deepcopy(project)
    broken["services"]["bot"]["host"] = "appservice"
    broken["services"]["bot"]["k8s"] = {"namespace": "x"}
    assert list(validator.iter_errors(broken))
