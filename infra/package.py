"""Build the Teams app package: `python app.py package [--out PATH]`.

`python app.py package --template appPackage/` writes the Microsoft 365 Agents Toolkit's
manifest template instead: the same manifest, with the toolkit's `${{VAR}}` placeholders where
the ids, host and council details go (m365agents.yml fills them in from env/.env.<env>).
"""

from __future__ import annotations

import argparse
import json
import sys
import zipfile
from pathlib import Path
from typing import Any

from pydantic import ValidationError

from infra.package_settings import DEMO_BOT_APP_ID, PackageSettings
from infra.teams.icons import color_icon, outline_icon
from infra.teams.manifest import COLOR_ICON, OUTLINE_ICON, build_manifest
from settings import ROOT

DEFAULT_OUT = ROOT / "build" / "stepup-teams-app.zip"
_FIXED_TIME = (2020, 1, 1, 0, 0, 0)  # zip entry times: the same settings give the same bytes


def package_files(settings: PackageSettings) -> dict[str, bytes]:
    """The files at the root of the package, by name."""
    manifest = json.dumps(build_manifest(settings), indent=2, ensure_ascii=False) + "\n"
    return {
        "manifest.json": manifest.encode("utf-8"),
        COLOR_ICON: color_icon(settings.accent_color),
        OUTLINE_ICON: outline_icon(),
    }


TEMPLATE_PLACEHOLDERS: dict[str, Any] = {
    "teams_app_id": "${{TEAMS_APP_ID}}",
    "bot_app_id": "${{BOT_ID}}",
    "public_host": "${{BOT_DOMAIN}}",
    "package_version": "${{TEAMS_APP_VERSION}}",
    "developer_name": "${{DEVELOPER_NAME}}",
    "developer_website_url": "${{DEVELOPER_WEBSITE_URL}}",
    "privacy_url": "${{PRIVACY_URL}}",
    "terms_url": "${{TERMS_URL}}",
}
"""Settings the toolkit fills in per environment; the rest (texts, commands, permissions, colour)
stay as `python app.py package` writes them."""


def template_settings() -> PackageSettings:
    """The defaults with placeholders in place of the per-environment values.

    `model_construct` skips validation (a placeholder is no GUID or host name) and reads no
    environment, so the template is the same on every machine; the toolkit's
    teamsApp/validateManifest checks the filled-in result."""
    name = PackageSettings.model_fields["app_name"].default
    return PackageSettings.model_construct(
        app_name=f"{name}${{{{APP_NAME_SUFFIX}}}}", **TEMPLATE_PLACEHOLDERS
    )


def write_template(folder: Path) -> list[Path]:
    """Write the toolkit's appPackage/ files (manifest template and icons) into `folder`."""
    folder.mkdir(parents=True, exist_ok=True)
    written = []
    for name, data in package_files(template_settings()).items():
        path = folder / name
        path.write_bytes(data)
        written.append(path)
    return written


def build_package(out: Path, settings: PackageSettings) -> Path:
    """Write the app package zip (manifest.json, color.png, outline.png at its root) to `out`."""
    out.parent.mkdir(parents=True, exist_ok=True)
    with zipfile.ZipFile(out, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        for name, data in package_files(settings).items():
            entry = zipfile.ZipInfo(name, date_time=_FIXED_TIME)
            entry.compress_type = zipfile.ZIP_DEFLATED
            entry.external_attr = 0o644 << 16
            archive.writestr(entry, data)
    return out


def _problems(exc: ValidationError) -> str:
    return "; ".join(
        f"{'.'.join(str(p) for p in error['loc']) or 'settings'}: {error['msg']}"
        for error in exc.errors()
    )


def main(argv: list[str] | None = None) -> int:
    """Build the package from the environment; bad settings exit 2 with one line."""
    parser = argparse.ArgumentParser(prog="python app.py package", description=__doc__)
    parser.add_argument("--out", type=Path, default=DEFAULT_OUT, help=f"zip path ({DEFAULT_OUT})")
    parser.add_argument(
        "--template",
        type=Path,
        metavar="DIR",
        help="write the Agents Toolkit manifest template and icons to DIR (e.g. appPackage/)",
    )
    args = parser.parse_args(argv)
    if args.template is not None:
        for path in write_template(args.template):
            print(path)
        return 0
    try:
        settings = PackageSettings()
    except ValidationError as exc:
        print(f"configuration error: {_problems(exc)}", file=sys.stderr)
        return 2
    if settings.is_demo:
        print(
            f"warning: MicrosoftAppId is not set, so the package uses the fake demo bot id "
            f"{DEMO_BOT_APP_ID}; it cannot be installed in a real tenant",
            file=sys.stderr,
        )
    path = build_package(args.out, settings)
    print(f"{path} (Teams app {settings.app_id}, version {settings.package_version})")
    return 0


if __name__ == "__main__":
    sys.exit(main())
