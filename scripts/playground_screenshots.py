"""Write docs/img/playground-*.png: the browser test, run with its screenshot switch on.

One flow, one place: the steps and what they assert live in tests/e2e/test_playground_browser.py;
this only points its STEPUP_PLAYGROUND_SHOTS at docs/img/ (1280x800 PNGs, about 150 kB each).
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def main() -> int:
    env = {**os.environ, "STEPUP_PLAYGROUND_SHOTS": str(ROOT / "docs" / "img")}
    test = "tests/e2e/test_playground_browser.py"
    command = [sys.executable, "-m", "pytest", "-q", "-rs", "-p", "no:randomly", test]
    return subprocess.run(command, cwd=ROOT, env=env, check=False).returncode  # noqa: S603


if __name__ == "__main__":
    raise SystemExit(main())
