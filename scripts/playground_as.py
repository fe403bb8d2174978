"""`make demo-as USER=tom`: restart only the Agents Playground as another demo person.

The playground (0.2.28) reads its current user from `currentUser` in its yml once, at start
(`M365_AGENTS_PLAYGROUND_CONFIG_PATH` names the file). This writes var/playground/<user>.yml, the
project's yml with that person as `currentUser` and Priya among the `users`, stops the playground
that `make run` started (its pid is in var/playground.pid) and runs a new one on the same port
against the same bot, in this terminal. The bot, its database and its timers keep running; reload
the page (it starts empty: the playground keeps no history).
"""

from __future__ import annotations

import os
import signal
import sys
import time
from pathlib import Path
from typing import Any

import yaml

ROOT = Path(__file__).resolve().parents[1]
CONFIG = ROOT / ".m365agentsplayground.yml"
# `make run` writes it; a test names its own (STEPUP_PLAYGROUND_PIDFILE) so never finds this one
PIDFILE = Path(os.environ.get("STEPUP_PLAYGROUND_PIDFILE", ROOT / "var" / "playground.pid"))
TOOL = ROOT / "node_modules" / ".bin" / "agentsplayground"


def config_as(user: str) -> dict[str, Any]:
    """The project's playground config with `user` (a first name: tom, ewa...) as current user."""
    config: dict[str, Any] = yaml.safe_load(CONFIG.read_text())
    people = [config["currentUser"], *config["users"]]
    chosen = [p for p in people if str(p["givenName"]).lower() == user.lower()]
    if not chosen:
        names = ", ".join(str(p["givenName"]).lower() for p in people)
        raise SystemExit(f"no demo person {user!r}; choose one of: {names}")
    config["currentUser"] = chosen[0]
    config["users"] = [p for p in people if p is not chosen[0]]
    return config


def _running_playground() -> tuple[int, str]:
    """The pid of the playground `make run` started and the bot endpoint it is pointed at."""
    if not PIDFILE.exists():
        raise SystemExit("no var/playground.pid: start `make run` first, in another terminal")
    pid_text, endpoint = PIDFILE.read_text().split()
    return int(pid_text), endpoint


def _stop_running_playground() -> str:
    """Stop the playground `make run` started; return the bot endpoint it was pointed at."""
    pid, endpoint = _running_playground()
    cmdline = Path(f"/proc/{pid}/cmdline")
    # Only ever the playground: a stale pid may belong to another process by now.
    if cmdline.exists() and b"agentsplayground" in cmdline.read_bytes():
        os.kill(pid, signal.SIGTERM)
        for _ in range(50):
            if not cmdline.exists():
                break
            time.sleep(0.1)
    return endpoint


def main(argv: list[str]) -> int:
    beside = argv[:1] == ["--beside"]
    if beside:
        argv = argv[1:]
    if len(argv) != 1:
        print(
            "usage: make demo-as USER=tom  (priya, tom, ewa, sam, grace, daniel)\n"
            "       make demo-beside USER=ewa  (a second playground, on port 56151)",
            file=sys.stderr,
        )
        return 2
    config = config_as(argv[0])
    path = ROOT / "var" / "playground" / f"{argv[0].lower()}.yml"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(yaml.safe_dump(config, sort_keys=False))
    command = [str(TOOL)]
    if beside:
        endpoint = _running_playground()[1]
        port = os.environ.get("TEAMSAPPTESTER_PORT", "56151")
        command += ["-p", port]
    else:
        endpoint = _stop_running_playground()
        port = os.environ.get("TEAMSAPPTESTER_PORT", "56150")
        PIDFILE.write_text(f"{os.getpid()} {endpoint}\n")  # exec keeps this pid: the next demo-as
    print(
        f"Agents Playground as {config['currentUser']['name']}: "
        f"{'open' if beside else 'reload'} http://localhost:{port}",
        file=sys.stderr,
    )
    env = {
        **os.environ,
        "M365_AGENTS_PLAYGROUND_CONFIG_PATH": str(path),
        "TEAMSAPPTESTER_BROWSER": "none",
        # Two playgrounds must not write one log
        "M365_AGENTS_PLAYGROUND_LOGFILE": str(
            ROOT / "var" / f"m365agentsplayground{'-' + port if beside else ''}.log"
        ),
    }
    os.chdir(ROOT)
    command += ["-e", endpoint, "-c", "msteams", "--dt"]
    os.execve(str(TOOL), command, env)  # noqa: S606


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
