"""The real process: `python app.py` serves, survives SIGKILL, and logs no message text."""

from __future__ import annotations

import asyncio
import json
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
from storage.conversations import ConversationStore
from storage.db import create_engine
from tests.support import activities as act
from tests.support.fake_connector import FakeConnector
from tests.support.harness import TEST_HMAC_KEY, TEST_KEY_RING

SECRET_TEXT = "Jamie Example DOB 01/02/2015 lives at 12 Fake Street NX1 2AB"


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@contextmanager
def _serve(database_url: str, port: int, log_path: Path) -> Iterator[subprocess.Popen[bytes]]:
    env = {
        **os.environ,
        "PORT": str(port),
        "DATABASE_URL": database_url,
        "STEPUP_MODE": "local",
        "LOG_LEVEL": "DEBUG",
        "STEPUP_ENCRYPTION_KEYS": TEST_KEY_RING,
        "STEPUP_HMAC_KEY": TEST_HMAC_KEY,
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


async def _wait_healthy(session: aiohttp.ClientSession, port: int) -> None:
    for _ in range(150):
        try:
            async with session.get(f"http://127.0.0.1:{port}/healthz") as response:
                if response.status == 200:
                    return
        except aiohttp.ClientConnectionError:
            pass
        await asyncio.sleep(0.1)
    raise AssertionError("the bot did not become healthy within 15 s")


async def _post(session: aiohttp.ClientSession, port: int, activity: dict[str, object]) -> int:
    async with session.post(f"http://127.0.0.1:{port}/api/messages", json=activity) as response:
        return response.status


async def test_a_killed_process_loses_nothing_it_stored_and_logs_no_text(
    tmp_path: Path, connector: FakeConnector
) -> None:
    database_url = f"sqlite:///{tmp_path / 'stepup.db'}"
    log_path = tmp_path / "bot.log"
    port = _free_port()
    url = connector.service_url
    async with aiohttp.ClientSession() as session:
        with _serve(database_url, port, log_path) as process:
            await _wait_healthy(session, port)
            assert await _post(session, port, act.installation_added(url)) == 201
            assert (
                await _post(session, port, act.personal_message(url, act.PRIYA, SECRET_TEXT)) == 201
            )
            assert await _post(session, port, act.channel_post(url, act.PRIYA, SECRET_TEXT)) == 201
            process.send_signal(signal.SIGKILL)
            process.wait(timeout=10)
        with _serve(database_url, port, log_path):
            await _wait_healthy(session, port)
            async with session.get(f"http://127.0.0.1:{port}/readyz") as response:
                assert response.status == 200

    engine = create_engine(database_url)
    try:
        store = ConversationStore(engine)
        installation = await store.installation(act.TEAM["id"])
        assert installation is not None and installation.aad_group_id == act.TEAM["aadGroupId"]
        assert await store.reference(f"user:{act.PRIYA.aad_id}") is not None
    finally:
        await engine.dispose()

    log_text = log_path.read_text()
    lines = [json.loads(line) for line in log_text.splitlines() if line.startswith("{")]
    assert any(line["event"] == "personal.command" for line in lines)
    for fragment in ("Jamie", "01/02/2015", "Fake Street", "NX1 2AB"):
        assert fragment not in log_text
    assert "Step Up Bot for Northdown" not in log_text  # no outgoing text either
