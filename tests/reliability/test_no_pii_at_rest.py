"""No family detail at rest or in the logs, after a flow that used every one of them.

A requester posts family details in the channel (the screen warns), adds more in the thread and
in the 1:1 chat, gives the private details (one refused try, kept in the sealed draft), and the
MAP team acknowledges, looks, decides and escalates. Then every byte of the SQLite file (and
its write-ahead log), every row of every PostgreSQL table, and every log line written at DEBUG
through the app's own logging set-up are searched for each detail in the forms it could take.
Sealed values are ciphertext, so the search covers them too: a hit anywhere is a leak.
"""

from __future__ import annotations

import io
import json
import logging
import re
import sys
from collections.abc import AsyncIterator, Iterator

import asyncpg
import pytest
from sqlalchemy.engine import make_url

from observability.logs import configure_logging
from tests.reliability.flows import CARD, TUESDAY_10AM, Flow, running_flow
from tests.support import activities as act
from tests.support.databases import sqlite_bytes
from tests.support.dates import same_day_at
from tests.support.fake_connector import FakeConnector

TUESDAY_1630 = same_day_at(TUESDAY_10AM, 16, 30)  # London time, on a Tuesday after today
END_OF_DAY = same_day_at(TUESDAY_10AM, 17, 1).isoformat()

# The family, as a requester might type it (all invented; phone numbers from Ofcom's drama ranges).
CHILD = "Jayden Okonkwo-Whitfield"
DOB = "12/03/2019"
ADDRESS = "14 Tanner's Mill Lane"
POSTCODE = "NG7 2QX"
MOTHER_PHONE = "07700 900123"
NHS_NUMBER = "943 476 5919"
SCHOOL = "St Aldhelm's Primary"
EHM_NUMBER = "EHM 7304518"
OVERSIGHT = "Supervision with Kemi Adeyemi-Marsh on 20 Nov"
CONTACT_PHONE = "0113 496 0577"

POST = (
    f"Step up please for {CHILD}, DOB {DOB}, of {ADDRESS}, {POSTCODE}. Mum on {MOTHER_PHONE}, "
    f"NHS {NHS_NUMBER}, attends {SCHOOL}. EHM {EHM_NUMBER}."
)


def needles() -> dict[str, list[str]]:
    """Each family detail in every form it could be stored in (as typed, normalised, digits)."""

    def digits(value: str) -> str:
        return re.sub(r"\D", "", value)

    return {
        "child's first name": ["Jayden"],
        "child's surname": ["Okonkwo", "Whitfield"],
        "date of birth": [DOB, "2019-03-12", "12 March 2019"],
        "address": ["Tanner's Mill", "Tanner\\u0027s Mill", "Mill Lane"],
        "postcode": [POSTCODE, POSTCODE.replace(" ", "")],
        "mother's phone": [MOTHER_PHONE, digits(MOTHER_PHONE), "+447700900123"],
        "NHS number": [NHS_NUMBER, digits(NHS_NUMBER)],
        "school": ["Aldhelm"],
        "EHM number": [EHM_NUMBER, digits(EHM_NUMBER)],
        "oversight": ["Kemi", "Adeyemi", "Marsh"],
        "contact phone": [CONTACT_PHONE, digits(CONTACT_PHONE), "+441134960577", "496 0577"],
    }


def hits(haystack: str) -> list[str]:
    """The family details found in a text (case-insensitive)."""
    lowered = haystack.lower()
    return sorted(
        {name for name, forms in needles().items() if any(f.lower() in lowered for f in forms)}
    )


@pytest.fixture
def debug_logs(caplog: pytest.LogCaptureFixture) -> Iterator[io.StringIO]:
    """The app's own logging set-up at DEBUG, written to a buffer; caplog still sees records."""
    root = logging.getLogger()
    saved_handlers, saved_level = root.handlers[:], root.level
    quietened = {
        name: logging.getLogger(name).level
        for name in ("aiohttp.access", "msrest", "azure", "httpx", "alembic", "apscheduler")
    }
    buffer = io.StringIO()
    stderr, sys.stderr = sys.stderr, buffer
    try:
        configure_logging("DEBUG")
    finally:
        sys.stderr = stderr
    root.handlers.extend(h for h in saved_handlers if h not in root.handlers)
    caplog.set_level(logging.DEBUG)
    yield buffer
    root.handlers[:] = saved_handlers
    root.setLevel(saved_level)
    for name, level in quietened.items():
        logging.getLogger(name).setLevel(level)


@pytest.fixture
async def flow(database_url: str, connector: FakeConnector) -> AsyncIterator[Flow]:
    # A whole case at machine speed (Teams would throttle it too); the search is for leaks.
    async with running_flow(database_url, connector, TUESDAY_1630, pacing=False) as running:
        yield running


async def _the_whole_story(flow: Flow) -> None:
    bot, url = flow.bot, flow.url
    assert (await bot.send(act.personal_message(url, act.PRIYA, "hi"))).status == 201
    request = await flow.post(POST)
    replies = [
        act.thread_reply(url, act.PRIYA, request.post["id"], f"{CHILD} was seen at {SCHOOL}."),
        act.personal_message(url, act.PRIYA, f"new request for {CHILD} {DOB}"),
        act.personal_message(url, act.TOM, f"who is on duty for {CHILD}?"),
    ]
    for activity in replies:
        assert (await bot.send(activity)).status == 201
    warned = [c for c in bot.connector.posted() if c.text.startswith("⚠")]
    assert len(warned) == 2, "the screen did not see the family details: the flow proves nothing"
    ticker = bot.runtime.ticker
    assert ticker is not None
    reply = await bot.raw(
        "POST",
        "/api/dev/clock",
        json.dumps({"now": END_OF_DAY}),  # unacknowledged at the end of the day
        {"Content-Type": "application/json"},
    )
    assert reply.status == 200
    await flow.ok(request, act.TOM, "acknowledge")
    details = {"ehmNumber": EHM_NUMBER, "oversight": OVERSIGHT, "phone": CONTACT_PHONE}
    refused = await bot.send(
        flow.chat_press(request, act.PRIYA, "provide_details", **{**details, "phone": "0113"})
    )
    assert refused.body["type"] == CARD  # the form again; what was typed waits in the draft
    saved = await bot.send(flow.chat_press(request, act.PRIYA, "provide_details", **details))
    assert "saved privately" in json.dumps(saved.body)
    for user in (act.TOM, act.SAM, act.GRACE):
        await flow.press(request, user, "view_details")
    await flow.ok(
        request,
        act.TOM,
        "record_outcome",
        outcome="threshold_met",
        areaTeam="North Area Assessment Team",
    )
    sent_to_tom = [c for c in bot.connector.posted() if "7304518" in json.dumps(c.body)]
    assert sent_to_tom, "the details never reached the duty manager: the flow proved nothing"


async def test_no_family_detail_is_stored_or_logged(
    flow: Flow,
    database_url: str,
    debug_logs: io.StringIO,
    caplog: pytest.LogCaptureFixture,
) -> None:
    await _the_whole_story(flow)
    engine = flow.bot.runtime.engine
    assert engine is not None
    if database_url.startswith("sqlite"):
        await flow.bot.stop()  # every page on disk
        stored = sqlite_bytes(database_url).decode("utf-8", errors="replace")
        assert len(stored) > 10_000
    else:
        stored = await _every_postgres_row(database_url)
        await flow.bot.stop()
        assert "consultation_events" in stored
    assert hits(stored) == [], "at rest"

    written = debug_logs.getvalue()
    assert "consultation.opened" in written  # the logs were captured
    assert hits(written) == [], "in the JSON log lines"
    raw = "\n".join(
        f"{r.name} {r.getMessage()} {r.__dict__}" + (str(r.exc_info[1]) if r.exc_info else "")
        for r in caplog.records
    )
    assert hits(raw) == [], "in a log record (what an exporter such as Azure Monitor would send)"


async def _every_postgres_row(database_url: str) -> str:
    """Every table, every row, as JSON text (sealed columns included)."""
    dsn = make_url(database_url).set(drivername="postgresql").render_as_string(hide_password=False)
    conn = await asyncpg.connect(dsn)
    try:
        tables = [
            r["tablename"]
            for r in await conn.fetch("SELECT tablename FROM pg_tables WHERE schemaname = 'public'")
        ]
        dumped = []
        for table in tables:
            rows = await conn.fetch(f'SELECT row_to_json(t)::text AS j FROM "{table}" t')
            dumped.append(table + "\n" + "\n".join(r["j"] for r in rows))
        return "\n".join(dumped)
    finally:
        await conn.close()


def test_the_search_finds_what_it_looks_for() -> None:
    """The needles are right: the raw post holds every detail the search looks for."""
    everything = f"{POST} {OVERSIGHT} {CONTACT_PHONE}"
    assert hits(everything) == sorted(needles())
    assert hits("Family Centre Northgate, North Area Assessment Team, 01632 960401") == []
