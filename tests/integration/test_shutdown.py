"""The real process stops cleanly on SIGTERM (and Ctrl-C): exit code 0, no ERROR in its log."""

from __future__ import annotations

import json
import signal
from pathlib import Path

import aiohttp
import pytest

from tests.support import activities as act
from tests.support.fake_connector import FakeConnector
from tests.support.process import free_port, post, serve, wait_healthy


def errors_in(log_path: Path) -> list[str]:
    """Every log line at ERROR or above, and every traceback the process printed."""
    found = []
    for line in log_path.read_text().splitlines():
        if line.startswith("{"):
            record = json.loads(line)
            if str(record.get("level", "")).upper() in ("ERROR", "CRITICAL"):
                found.append(line)
        elif "Traceback" in line or "Error" in line:
            found.append(line)
    return found


@pytest.mark.parametrize("stop", [signal.SIGTERM, signal.SIGINT], ids=["sigterm", "ctrl-c"])
async def test_the_process_stops_cleanly_after_serving(
    database_url: str, tmp_path: Path, connector: FakeConnector, stop: signal.Signals
) -> None:
    log_path = tmp_path / "bot.log"
    port = free_port()
    url = connector.service_url
    async with aiohttp.ClientSession() as session:
        with serve(database_url, port, log_path, STEPUP_TICK_SECONDS="0.05") as process:
            await wait_healthy(session, port)
            assert await post(session, port, act.installation_added(url)) == 201
            assert await post(session, port, act.channel_post(url, act.PRIYA, "Step up")) == 201
            async with session.get(f"http://127.0.0.1:{port}/readyz") as response:
                assert response.status == 200
            process.send_signal(stop)
            code = process.wait(timeout=20)
    assert code == 0, log_path.read_text()[-3000:]
    assert errors_in(log_path) == []
