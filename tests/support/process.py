"""The real process, `python app.py`, run as a child for tests that kill and restart it."""

from __future__ import annotations

import asyncio
import contextlib
import os
import signal
import socket
import subprocess
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import aiohttp

from settings import ROOT
from tests.support.harness import TEST_HMAC_KEY, TEST_KEY_RING


def free_port() -> int:
    """A TCP port nobody listens on now."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@contextmanager
def serve(
    database_url: str, port: int, log_path: Path, **extra_env: str
) -> Iterator[subprocess.Popen[bytes]]:
    """Run the app on `port` in local mode (logs appended to `log_path`); killed on exit."""
    env = {
        **os.environ,
        "PORT": str(port),
        "DATABASE_URL": database_url,
        "STEPUP_MODE": "local",
        "LOG_LEVEL": "DEBUG",
        "STEPUP_ENCRYPTION_KEYS": TEST_KEY_RING,
        "STEPUP_HMAC_KEY": TEST_HMAC_KEY,
        **extra_env,
    }
    with log_path.open("ab") as log:
        process = subprocess.Popen(  # noqa: S603 - our own entry point
            [sys.executable, str(ROOT / "app.py")], cwd=ROOT, env=env, stdout=log, stderr=log
        )
    try:
        yield process
    finally:
        if process.poll() is None:
            process.kill()
        process.wait(timeout=10)


async def wait_healthy(session: aiohttp.ClientSession, port: int) -> None:
    """Poll /healthz until the app answers 200 (15 s at most)."""
    for _ in range(150):
        try:
            async with session.get(f"http://127.0.0.1:{port}/healthz") as response:
                if response.status == 200:
                    return
        except aiohttp.ClientConnectionError:
            pass
        await asyncio.sleep(0.1)
    raise AssertionError("the bot did not become healthy within 15 s")


async def post(session: aiohttp.ClientSession, port: int, activity: dict[str, object]) -> int:
    """POST one activity to /api/messages; the HTTP status."""
    async with session.post(f"http://127.0.0.1:{port}/api/messages", json=activity) as response:
        return response.status


def stop_group(process: subprocess.Popen[bytes], grace: float = 10.0) -> None:
    """End the process and its group: SIGTERM, then SIGKILL after `grace` seconds."""
    for sig, wait in ((signal.SIGTERM, grace), (signal.SIGKILL, 5.0)):
        with contextlib.suppress(ProcessLookupError):
            os.killpg(process.pid, sig)
        try:
            process.wait(timeout=wait)
            return
        except subprocess.TimeoutExpired:
            continue


def start_group(
    command: list[str], cwd: Path, env: dict[str, str], log: Path
) -> subprocess.Popen[bytes]:
    """Start `command` in a process group of its own (stop_group ends it and its children),
    with stdout and stderr in `log` and no stdin."""
    with log.open("wb") as out:
        return subprocess.Popen(  # noqa: S603 - the tests' own commands, no shell
            command,
            cwd=cwd,
            env=env,
            stdin=subprocess.DEVNULL,
            stdout=out,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
