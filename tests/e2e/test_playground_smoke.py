"""Smoke test: the real bot behind the pinned Microsoft 365 Agents Playground (npm, package.json).

The playground runs as its own process on a free port, pointed at the bot's /api/messages. The
test then does what the playground's browser client does (see docs/playground.md):

- listens on the client's WebSocket, ``/_ws_conversation/v1/conversations/stream``, where the
  playground pushes a ``createMessage`` action for every message the bot sends;
- reads the tenant from ``GET /_internal/v1/config`` (built from .m365agentsplayground.yml);
- opens the 1:1 chat, then the team, each of which installs the bot there:
  ``POST /_debug/conversation/{id}/installation``;
- types a 1:1 message: ``POST /_conversation/v1/conversations/{id}/messages``.

The bot answers through the playground's mock connector (``serviceUrl`` on every activity is
``http://localhost:{port}/_connector``), so the replies read here went the whole way round.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import os
import re
import shutil
import subprocess
import time
from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import quote

import aiohttp
import pytest

from tests.support.fake_connector import FakeConnector
from tests.support.harness import BotUnderTest, local_settings
from tests.support.process import start_group, stop_group

ROOT = Path(__file__).resolve().parents[2]
TOOL = ROOT / "node_modules" / ".bin" / "agentsplayground"
CONFIG = ROOT / ".m365agentsplayground.yml"
START_TIMEOUT = 20.0
REPLY_TIMEOUT = 15.0


def _missing() -> str | None:
    if shutil.which("node") is None:
        return "node is not installed: the Agents Playground needs Node.js 22+ (make installs it)"
    if not TOOL.exists():
        return "node_modules/.bin/agentsplayground is missing: run `npm ci` (make run does)"
    return None


MISSING = _missing()
pytestmark = [
    pytest.mark.playground,
    pytest.mark.skipif(MISSING is not None, reason=MISSING or ""),
]


@dataclass
class Playground:
    """A running playground process and a client that talks to it like its web UI does."""

    process: subprocess.Popen[bytes]
    port: int
    log: Path
    session: aiohttp.ClientSession
    stream: aiohttp.ClientWebSocketResponse

    def url(self, path: str) -> str:
        """Absolute URL of a playground route."""
        return f"http://127.0.0.1:{self.port}{path}"

    async def get(self, path: str) -> Any:
        """GET a playground route and return its JSON body."""
        async with self.session.get(self.url(path)) as response:
            assert response.status == 200, f"GET {path}: {response.status} {await response.text()}"
            return await response.json()

    async def post(self, path: str, body: dict[str, Any]) -> str:
        """POST JSON to a playground route and return the raw body."""
        async with self.session.post(self.url(path), json=body) as response:
            text = await response.text()
            assert response.status == 200, f"POST {path}: {response.status} {text}"
            return text

    async def next_bot_message(self, conversation_id: str, bot_id: str) -> dict[str, Any]:
        """The next message the bot posted in `conversation_id`, as the web UI receives it."""
        seen: list[str] = []
        try:
            async with asyncio.timeout(REPLY_TIMEOUT):
                async for frame in self.stream:
                    if frame.type is not aiohttp.WSMsgType.TEXT:
                        raise AssertionError(f"the playground stream ended: {frame.type!r}")
                    action = json.loads(frame.data)
                    seen.append(frame.data[:300])
                    message = action.get("message") or {}
                    if (
                        action.get("action") == "createMessage"
                        and action.get("actionConversationId") == conversation_id
                        and (message.get("from") or {}).get("id") == bot_id
                    ):
                        return dict(message)
        except TimeoutError:
            pass
        raise AssertionError(
            f"no bot message in {conversation_id} within {REPLY_TIMEOUT}s; stream had {seen}; "
            f"playground log:\n{self.tail()}"
        )

    def tail(self) -> str:
        """The end of the playground's own log, for failure messages."""
        return _read(self.log)[-3000:] or "(no log)"


@pytest.fixture
async def bot(tmp_path: Path, connector: FakeConnector) -> AsyncIterator[BotUnderTest]:
    """The real app in local mode on SQLite. The fake connector must stay unused: the
    playground brings its own connector."""
    settings = local_settings(f"sqlite:///{tmp_path / 'stepup.db'}")
    running = await BotUnderTest(settings, connector).start()
    yield running
    await running.stop()


@contextlib.contextmanager
def _playground_process(endpoint: str, workdir: Path) -> Iterator[subprocess.Popen[bytes]]:
    """Start the pinned playground in its own process group and always kill that group."""
    env = {
        **os.environ,
        "M365_AGENTS_PLAYGROUND_CONFIG_PATH": str(CONFIG),
        "M365_AGENTS_PLAYGROUND_LOGFILE": str(workdir / "playground.log"),
        "M365_AGENTS_PLAYGROUND_RECORDING_FILE": str(workdir / "events.log"),
        "TEAMSAPPTESTER_BROWSER": "none",  # what stops it calling `open`
        "BROWSER": "none",
    }
    for name in ("TEAMSAPPTESTER_PORT", "M365_AGENTS_PLAYGROUND_SERVICE_URL", "BOT_ENDPOINT"):
        env.pop(name, None)
    # cwd: it writes ./devTools/ relative to the cwd unless told otherwise
    command = [str(TOOL), "-e", endpoint, "-c", "msteams", "-p", "0", "--dt"]
    process = start_group(command, workdir, env, workdir / "stdout.txt")
    try:
        yield process
    finally:
        stop_group(process, grace=5.0)


def _read(path: Path) -> str:
    return path.read_text(errors="replace") if path.exists() else ""


async def _wait_for_port(process: subprocess.Popen[bytes], stdout: Path) -> int:
    """The port from the playground's "Listening on N" line (printed when stdout is no TTY)."""
    deadline = time.monotonic() + START_TIMEOUT
    while time.monotonic() < deadline:
        found = re.search(r"Listening on (\d+)", _read(stdout))
        if found:
            return int(found.group(1))
        if process.poll() is not None:
            raise AssertionError(
                f"the playground exited with {process.returncode}: {_read(stdout)}"
            )
        await asyncio.sleep(0.1)
    raise AssertionError(f"the playground did not start in {START_TIMEOUT}s: {_read(stdout)}")


@pytest.fixture
async def playground(bot: BotUnderTest, tmp_path: Path) -> AsyncIterator[Playground]:
    """The playground on a free port, pointed at the bot, with the web UI's stream open."""
    workdir = tmp_path / "playground"
    workdir.mkdir()
    with _playground_process(bot.url("/api/messages"), workdir) as process:
        port = await _wait_for_port(process, workdir / "stdout.txt")
        async with aiohttp.ClientSession() as session:
            async with session.get(f"http://127.0.0.1:{port}/_debug/ping") as response:
                assert (response.status, await response.text()) == (200, "pong")
            url = f"http://127.0.0.1:{port}/_ws_conversation/v1/conversations/stream"
            async with session.ws_connect(url) as stream:
                yield Playground(process, port, workdir / "playground.log", session, stream)


def _conversation(conversation_id: str) -> str:
    return quote(conversation_id, safe="")


async def test_the_playground_shows_the_bots_help_and_its_welcome_in_the_team(
    playground: Playground, bot: BotUnderTest
) -> None:
    # What the web UI loads first; the playground waits here until the bot's endpoint answers.
    config = (await playground.get("/_internal/v1/config"))["config"]
    me = config["currentUser"]["id"]
    bot_id = config["bot"]["id"]
    assert config["currentUser"]["name"] == "Priya Shah"
    personal = config["personalChat"]["id"]
    (team,) = config["teams"]
    assert team["name"] == "Northdown Early Help"

    # Opening the 1:1 chat in the UI installs the bot there; the bot greets Priya with its help.
    await playground.post(f"/_debug/conversation/{_conversation(personal)}/installation", {})
    greeting = await playground.next_bot_message(personal, bot_id)
    assert "I help with step-up consultations." in greeting["text"]

    # Priya types in the 1:1 chat; the bot answers with its help again.
    sent = await playground.post(
        f"/_conversation/v1/conversations/{_conversation(personal)}/messages",
        {"from": {"id": me}, "text": "hello", "textFormat": "plain"},
    )
    assert json.loads(sent)["messageId"]
    reply = await playground.next_bot_message(personal, bot_id)
    assert "I help with step-up consultations." in reply["text"]

    # Opening the team in the UI installs the bot there: the playground sends installationUpdate
    # and conversationUpdate (the bot in membersAdded) side by side; the bot welcomes the team.
    general = team["id"]
    await playground.post(f"/_debug/conversation/{_conversation(general)}/installation", {})
    welcome = await playground.next_bot_message(general, bot_id)
    assert "Hello, I'm the Step Up Bot for Northdown Council" in welcome["text"]

    conversations = bot.runtime.conversations
    assert conversations is not None
    installation = await conversations.installation(general)
    assert installation is not None
    assert installation.aad_group_id == team["aadGroupId"]
    assert installation.service_url == f"http://localhost:{playground.port}/_connector"
    assert bot.connector.calls == []  # every reply went through the playground's connector
