"""The real process: `python app.py` serves, survives SIGKILL, and logs no message text."""

from __future__ import annotations

import json
import signal
from pathlib import Path

import aiohttp

from storage.conversations import ConversationStore
from storage.db import create_engine
from tests.support import activities as act
from tests.support.fake_connector import FakeConnector
from tests.support.process import free_port, post, serve, wait_healthy

SECRET_TEXT = "Jamie Example DOB 01/02/2015 lives at 12 Fake Street NX1 2AB"


async def test_a_killed_process_loses_nothing_it_stored_and_logs_no_text(
    tmp_path: Path, connector: FakeConnector
) -> None:
    database_url = f"sqlite:///{tmp_path / 'stepup.db'}"
    log_path = tmp_path / "bot.log"
    port = free_port()
    url = connector.service_url
    async with aiohttp.ClientSession() as session:
        with serve(database_url, port, log_path) as process:
            await wait_healthy(session, port)
            assert await post(session, port, act.installation_added(url)) == 201
            assert (
                await post(session, port, act.personal_message(url, act.PRIYA, SECRET_TEXT)) == 201
            )
            assert await post(session, port, act.channel_post(url, act.PRIYA, SECRET_TEXT)) == 201
            process.send_signal(signal.SIGKILL)
            process.wait(timeout=10)
        with serve(database_url, port, log_path):
            await wait_healthy(session, port)
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
