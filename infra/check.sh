#!/usr/bin/env bash
# Static checks of the infrastructure, offline: checkov over the Bicep templates and the
# Dockerfile, then hadolint over the Dockerfile. Exits non-zero on any failed check, on any
# file checkov could not parse, or if it found no Bicep resources at all.
#
# checkov cannot share the project venv (it pins packaging<24; pytest 9 needs >=24), so it runs
# from its own venv, build/infra-tools, made on first use from infra/requirements-tools.txt.
# Set INFRA_TOOLS to use another venv that has checkov and hadolint.
set -euo pipefail
cd "$(dirname "$0")/.."

TOOLS="${INFRA_TOOLS:-build/infra-tools}"
STAMP="$TOOLS/.requirements-tools.txt"
if [ -z "${INFRA_TOOLS:-}" ] && ! cmp -s infra/requirements-tools.txt "$STAMP"; then
    echo "infra/check.sh: installing checkov and hadolint into $TOOLS" >&2
    python3 -m venv "$TOOLS"
    "$TOOLS/bin/python" -m pip install --quiet --disable-pip-version-check \
        -r infra/requirements-tools.txt
    cp infra/requirements-tools.txt "$STAMP"
fi

REPORT="$(mktemp -d)"
trap 'rm -rf "$REPORT"' EXIT

# --skip-download: no calls to the Prisma Cloud API (the run is offline and needs no account).
status=0
"$TOOLS/bin/checkov" -d infra --framework bicep dockerfile --quiet --compact --skip-download \
    -o cli -o json --output-file-path "console,$REPORT/checkov.json" || status=$?

"$TOOLS/bin/python" - "$REPORT/checkov.json" <<'PY' || status=1
import json, sys
reports = json.load(open(sys.argv[1]))
reports = reports if isinstance(reports, list) else [reports]
summary = {r["check_type"]: r["summary"] for r in reports}
problems = [f"{kind}: {s['parsing_errors']} file(s) could not be parsed"
            for kind, s in summary.items() if s.get("parsing_errors")]
if summary.get("bicep", {}).get("resource_count", 0) == 0:
    problems.append("bicep: no resources found (templates missing or unreadable)")
if summary.get("dockerfile", {}).get("resource_count", 0) == 0:
    problems.append("dockerfile: infra/Dockerfile was not scanned")
for problem in problems:
    print(f"infra/check.sh: {problem}", file=sys.stderr)
sys.exit(1 if problems else 0)
PY

echo "hadolint infra/Dockerfile"
"$TOOLS/bin/hadolint" --failure-threshold warning infra/Dockerfile || status=$?

if [ "$status" -ne 0 ]; then
    echo "infra/check.sh: FAILED" >&2
fi
exit "$status"
