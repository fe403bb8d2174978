#!/usr/bin/env bash
# Known vulnerabilities in the locked dependencies (requirements/lock.txt), with pip-audit.
#
#   scripts/audit_deps.sh                    audit the lock file
#   scripts/audit_deps.sh --report FILE      judge an existing `pip-audit --format json` report
#
# Exit 1 when a locked package has a known vulnerability with a fixed version (upgrade it and
# re-lock); a vulnerability with no fix yet is listed but does not fail. When no vulnerability
# database answers from here (PyPI's per-release JSON API or OSV), pip-audit on its own reports
# every package as "not found" and still says "No known vulnerabilities found": this script
# says SKIP with the reason instead and exits 0, or 3 with AUDIT_DEPS_REQUIRE_DB=1 (CI with
# network). Exit 2: pip-audit is missing or failed.
set -euo pipefail

cd "$(dirname "$0")/.."
PY=${PYTHON:-.venv/bin/python}
PIP_AUDIT=${PIP_AUDIT:-.venv/bin/pip-audit}
LOCK=requirements/lock.txt
REPORT=""

while [[ $# -gt 0 ]]; do
    case "$1" in
        --report) REPORT=$2; shift 2 ;;
        --lock) LOCK=$2; shift 2 ;;
        *) echo "usage: $0 [--lock FILE] [--report PIP_AUDIT_JSON]" >&2; exit 2 ;;
    esac
done

judge() {
    # $1: pip-audit's JSON report; $2: why nothing could be audited, if known.
    "$PY" - "$1" "${2:-}" <<'PY'
import json
import os
import sys

report_path, unreachable = sys.argv[1], sys.argv[2]
with open(report_path, encoding="utf-8") as handle:
    report = json.load(handle)
dependencies = report.get("dependencies", [])
skipped = [d for d in dependencies if d.get("skip_reason")]
audited = [d for d in dependencies if not d.get("skip_reason")]
required = os.environ.get("AUDIT_DEPS_REQUIRE_DB") == "1"

if not audited:
    reason = unreachable or (skipped[0]["skip_reason"] if skipped else "the report is empty")
    packages = f"any of the {len(dependencies)} locked packages" if dependencies else "the lock"
    print(f"SKIP: no vulnerability database answered for {packages}: nothing audited ({reason}).")
    sys.exit(3 if required else 0)

fixable, unfixed = [], []
for dependency in audited:
    for vuln in dependency.get("vulns", []):
        line = f"{dependency['name']} {dependency.get('version', '?')}: {vuln.get('id', '?')}"
        aliases = [a for a in vuln.get("aliases", []) if a != vuln.get("id")]
        if aliases:
            line += f" ({', '.join(aliases)})"
        if vuln.get("fix_versions"):
            fixable.append(f"{line}, fixed in {', '.join(vuln['fix_versions'])}")
        else:
            unfixed.append(f"{line}, no fix released yet")

for dependency in skipped:
    print(f"warning: not audited: {dependency['name']}: {dependency['skip_reason']}")
for line in unfixed:
    print(f"known, no fix yet: {line}")
for line in fixable:
    print(f"VULNERABLE: {line}")
if fixable:
    print(f"FAIL: {len(fixable)} known vulnerabilities have a fix: upgrade, then `make lock`.")
    sys.exit(1)
print(
    f"OK: {len(audited)} packages audited, no known vulnerability with a fix "
    f"({len(unfixed)} without a fix yet, {len(skipped)} not audited)."
)
PY
}

if [[ -n "$REPORT" ]]; then
    judge "$REPORT"
    exit $?
fi

if [[ ! -x "$PIP_AUDIT" ]]; then
    echo "pip-audit is not installed in .venv: install the dev extra (pip install -e '.[dev]')." >&2
    exit 2
fi

# Which vulnerability service answers from here? pip-audit's default is PyPI's JSON API, which
# it asks per release (/pypi/NAME/VERSION/json); a mirror or proxy may serve only the project
# pages, so probe exactly that. OSV is the fallback.
SERVICE=$("$PY" - "$LOCK" <<'PY'
import json
import re
import sys
import urllib.request

pin = next(
    m for line in open(sys.argv[1], encoding="utf-8")
    if (m := re.match(r"^([A-Za-z0-9_.-]+)==([^\s;\\]+)", line))
)


def answers(request: urllib.request.Request) -> bool:
    try:
        with urllib.request.urlopen(request, timeout=10) as response:
            return response.status == 200
    except Exception:  # noqa: BLE001 - unreachable, refused, 404: all mean "not this one"
        return False


pypi = f"https://pypi.org/pypi/{pin[1]}/{pin[2]}/json"
osv = urllib.request.Request(
    "https://api.osv.dev/v1/query",
    data=json.dumps({"package": {"name": pin[1], "ecosystem": "PyPI"}, "version": pin[2]}).encode(),
    headers={"Content-Type": "application/json"},
)
if answers(urllib.request.Request(pypi)):
    print("pypi")
elif answers(osv):
    print("osv")
else:
    print(f"none: neither {pypi} nor https://api.osv.dev answered")
PY
)

OUT=$(mktemp)
trap 'rm -f "$OUT" "$OUT.err"' EXIT
if [[ "$SERVICE" == none:* ]]; then
    echo '{"dependencies": []}' >"$OUT"
    judge "$OUT" "${SERVICE#none: }"
    exit $?
fi

# --no-deps: the lock already pins every transitive dependency; --disable-pip: no resolver run.
status=0
"$PIP_AUDIT" -r "$LOCK" --no-deps --disable-pip --vulnerability-service "$SERVICE" \
    --progress-spinner off --format json --output "$OUT" 2>"$OUT.err" || status=$?
if [[ ! -s "$OUT" ]]; then
    echo "pip-audit failed (exit $status):" >&2
    tail -5 "$OUT.err" >&2
    exit 2
fi
judge "$OUT"
