"""`python -m bench` (what `make bench` runs): every `*_bench` module in this folder, in turn.

A module with a `main()` is called in this process; one without is run as
`python -m bench.<name>` in a subprocess. The exit code is non-zero if any benchmark failed.
"""

from __future__ import annotations

import importlib
import inspect
import pkgutil
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent


def benchmark_names() -> list[str]:
    """The benchmark modules present in bench/, sorted by name."""
    return sorted(m.name for m in pkgutil.iter_modules([str(HERE)]) if m.name.endswith("_bench"))


def call_main(main: Callable[..., Any]) -> int:
    """Call a module's `main`, with an empty argv when it takes one."""
    takes_argv = any(
        p.default is inspect.Parameter.empty for p in inspect.signature(main).parameters.values()
    )
    result = main([]) if takes_argv else main()
    return result if isinstance(result, int) else 0


def run_one(name: str) -> int:
    """Run one benchmark module and return its exit code."""
    module = importlib.import_module(f"bench.{name}")
    main = getattr(module, "main", None)
    if callable(main):
        return call_main(main)
    return subprocess.run([sys.executable, "-m", f"bench.{name}"], check=False).returncode


def main() -> int:
    """Run every benchmark, each under a heading; report which ones failed."""
    failed = []
    for name in benchmark_names():
        print(f"\n##### bench.{name}\n", flush=True)
        code = run_one(name)
        sys.stdout.flush()
        if code != 0:
            failed.append(name)
    if failed:
        print(f"\nfailed: {', '.join(failed)}", file=sys.stderr)
    return 1 if failed else 0


if __name__ == "__main__":
    raise SystemExit(main())
