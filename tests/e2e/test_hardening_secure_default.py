"""Secure by default: the real process with Bot Framework credentials and no STEPUP_MODE.

A deployment that sets the credentials but forgets STEPUP_MODE used to run in local mode:
authentication off and the movable dev clock exposed. These drive `python app.py` itself, with
the configuration in its environment as a deployment would give it.
"""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import aiohttp

from settings import ROOT
from tests.reliability.keys import APP_ID
from tests.support import activities as act
from tests.support.fake_connector import FakeConnector
from tests.support.harness import TEST_HMAC_KEY, TEST_KEY_RING
from tests.support.process import free_port, post, wait_healthy

# Whatever the developer's shell holds, the child sees only what each test gives it.
_CLEARED = ("STEPUP_MODE", "STEPUP_INSECURE_LOCAL_MODE", "HOST", "MicrosoftAppPassword")
_CREDENTIALS = {
    "MicrosoftAppId": APP_ID,
    "MicrosoftAppPassword": "not-a-real-secret",
    "MicrosoftAppType": "SingleTenant",
    "MicrosoftAppTenantId": act.TENANT,
}


async def test_credentials_without_a_mode_serve_production(
    database_url: str, connector: FakeConnector, tmp_path: Path
) -> None:
    port = free_port()
    with _running(_env(database_url, port, **_CREDENTIALS), tmp_path / "bot.log"):
        async with aiohttp.ClientSession() as session:
            await wait_healthy(session, port)
            message = act.personal_message(connector.service_url, act.PRIYA, "help")
            assert await post(session, port, message) == 401
            async with session.post(
                f"http://127.0.0.1:{port}/api/dev/clock", json={"advance_minutes": 60}
            ) as response:
                assert response.status == 404
    assert connector.calls == []


def test_local_mode_with_credentials_does_not_start(tmp_path: Path) -> None:
    env = _env(
        f"sqlite:///{tmp_path / 'unused.db'}", free_port(), STEPUP_MODE="local", **_CREDENTIALS
    )
    result = _run(env)
    assert result.returncode == 2
    assert "STEPUP_INSECURE_LOCAL_MODE=1" in result.stderr
    assert "not-a-real-secret" not in result.stderr


def test_local_mode_does_not_listen_beyond_loopback(tmp_path: Path) -> None:
    env = _env(
        f"sqlite:///{tmp_path / 'unused.db'}", free_port(), STEPUP_MODE="local", HOST="0.0.0.0"
    )
    result = _run(env)
    assert result.returncode == 2
    assert "HOST must be 127.0.0.1, ::1 or localhost" in result.stderr


def _env(database_url: str, port: int, **values: str) -> dict[str, str]:
    env = {name: value for name, value in os.environ.items() if name not in _CLEARED}
    env.update(
        PORT=str(port),
        DATABASE_URL=database_url,
        STEPUP_ENCRYPTION_KEYS=TEST_KEY_RING,
        STEPUP_HMAC_KEY=TEST_HMAC_KEY,
        **values,
    )
    return env


def _run(env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    return subprocess.run(  # noqa: S603 - our own entry point
        [sys.executable, str(ROOT / "app.py")],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=30,  # a process that started serving instead fails here
        check=False,
    )


@contextmanager
def _running(env: dict[str, str], log_path: Path) -> Iterator[subprocess.Popen[bytes]]:
    with log_path.open("ab") as log:
        process = subprocess.Popen(  # noqa: S603 - our own entry point
            [sys.executable, str(ROOT / "app.py")], cwd=ROOT, env=env, stdout=log, stderr=log
        )
    try:
        yield process
    finally:
        process.kill()
        process.wait(timeout=10)
