"""Idle and half-sent requests do not hold connections open (the real process, `python app.py`).

Before, a connection that sent nothing, or stopped half way through its headers, stayed open
for aiohttp's 75 s default, and one that stopped half way through its body stayed open for
ever: 1,100 of them held 1,112 file descriptors. Now each is closed after
STEPUP_HTTP_IDLE_SECONDS (15 s by default, 1 s here); a body that stalls gets 408.
"""

from __future__ import annotations

import asyncio
import time
import urllib.request
from collections.abc import Iterator

import aiohttp
import pytest

from tests.support.process import free_port, serve

IDLE = 1.0
WITHIN = 4 * IDLE  # closed by then (aiohttp rounds its timers up; the machine is shared)


@pytest.fixture(scope="module")
def port(tmp_path_factory: pytest.TempPathFactory) -> Iterator[int]:
    """One process for the module (each start costs seconds on a shared machine)."""
    chosen, folder = free_port(), tmp_path_factory.mktemp("slow")
    database = f"sqlite:///{folder / 'slow.db'}"
    with serve(database, chosen, folder / "bot.log", STEPUP_HTTP_IDLE_SECONDS=str(IDLE)):
        deadline = time.monotonic() + 30
        while True:
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{chosen}/healthz", timeout=1):
                    break
            except OSError:
                if time.monotonic() > deadline:
                    raise
                time.sleep(0.1)
        yield chosen


async def _until_closed(port: int, sent: bytes) -> tuple[bytes, float]:
    """Send `sent`, then read until the server closes: what came back, and after how long."""
    reader, writer = await asyncio.open_connection("127.0.0.1", port)
    started = time.perf_counter()
    try:
        writer.write(sent)
        await writer.drain()
        received = b""
        async with asyncio.timeout(WITHIN):
            while chunk := await reader.read(4096):
                received += chunk
        return received, time.perf_counter() - started
    finally:
        writer.close()


HEADERS = (
    b"POST /api/messages HTTP/1.1\r\nHost: 127.0.0.1\r\n"
    b"Content-Type: application/json\r\nContent-Length: 1000\r\n\r\n"
)


@pytest.mark.parametrize(
    "sent",
    [
        pytest.param(b"", id="nothing"),
        pytest.param(b"POST /api/messages HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Ty", id="headers"),
    ],
)
async def test_a_connection_that_never_finishes_its_headers_is_closed(
    port: int, sent: bytes
) -> None:
    received, seconds = await _until_closed(port, sent)
    assert received == b""
    assert seconds < WITHIN


async def test_a_body_that_stalls_gets_408_and_the_connection_is_closed(port: int) -> None:
    received, seconds = await _until_closed(port, HEADERS + b'{"type": "mes')
    assert received.startswith(b"HTTP/1.1 408"), received[:80]
    assert seconds < WITHIN


async def test_a_prompt_request_is_still_served(port: int) -> None:
    async with aiohttp.ClientSession() as session:
        async with session.get(f"http://127.0.0.1:{port}/healthz") as response:
            assert response.status == 200
