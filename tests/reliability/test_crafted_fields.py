"""Crafted card actions store nothing but known ids and codes (issue 18 item 6).

A person can send any `value` to an Action.Execute or Action.Submit: Teams does not check it
against the card. So every verb the bot answers is pressed, by people of every role, in the
channel and in the 1:1 chat, with every field the cards carry (and the request id itself) set to
arbitrary strings, over-long ones and non-strings included. Every such string carries a marker;
afterwards no table of the database may hold the marker in any column (sealed columns are
ciphertext, so they are included too), and no reply may be a 500.
"""

from __future__ import annotations

import logging
import random
from collections.abc import AsyncIterator
from typing import Any

import pytest
from sqlalchemy import select

from cards.audit_card import VERB_VIEW_AUDIT
from cards.common import VERB_OPEN_FORM, VERB_REFRESH, VERB_SET_COVER, VERB_SUBMIT_REQUEST
from cards.details import VERB_CANCEL_DETAILS, VERB_PROVIDE_DETAILS, VERB_VIEW_DETAILS
from domain.lifecycle import Action
from storage.tables import metadata
from tests.e2e.test_request_flow import TUESDAY_10AM
from tests.support import activities as act
from tests.support.fake_connector import FakeConnector
from tests.support.harness import BotUnderTest, installed_bot

MARK = "QZXMARK"
VERBS = sorted(
    {a.value for a in Action}
    | {
        VERB_OPEN_FORM,
        VERB_REFRESH,
        VERB_SET_COVER,
        VERB_SUBMIT_REQUEST,
        VERB_VIEW_AUDIT,
        VERB_CANCEL_DETAILS,
        VERB_PROVIDE_DETAILS,
        VERB_VIEW_DETAILS,
    }
)
# Every input id the bot's cards carry, and the ids the bot's own buttons put in `data`.
FIELDS = (
    "consultationId areaTeam outcome upheld indicators covering covered firstDay lastDay "
    "assigneeId service urgent contactCreated evidence rationale supervision ehmNumber "
    "oversight phone dialog form reason confirmed"
).split()
PEOPLE = (act.PRIYA, act.TOM, act.EWA, act.SAM, act.GRACE, act.STRANGER)


def _crafted(rng: random.Random) -> Any:
    """A marked value: plain, long, odd characters, shaped like an id or a date, or not a string."""
    tail = "".join(rng.choice("aZ9 -_:/.'\"<>&é\u202e漢") for _ in range(rng.randint(0, 12)))
    shapes: list[Any] = [
        f"{MARK}{tail}",
        f"{MARK}-Jasper Nowak 12/03/2015 {tail}",
        f"{MARK}" + "x" * rng.choice((65, 200, 5000)),
        f"{MARK}9999-12-31",
        [f"{MARK}{tail}"],
        {"id": f"{MARK}{tail}"},
    ]
    return rng.choice(shapes)


@pytest.fixture
async def bot(database_url: str, connector: FakeConnector) -> AsyncIterator[BotUnderTest]:
    async with installed_bot(database_url, connector, TUESDAY_10AM) as running:
        yield running


async def _marked_cells(bot: BotUnderTest) -> list[str]:
    engine = bot.runtime.engine
    assert engine is not None
    found = []
    async with engine.connect() as conn:
        for table in metadata.sorted_tables:
            for row in (await conn.execute(select(table))).mappings():
                for column, value in row.items():
                    if MARK in str(value):
                        found.append(f"{table.name}.{column}")
    return sorted(set(found))


async def test_no_crafted_string_reaches_any_table(
    bot: BotUnderTest, caplog: pytest.LogCaptureFixture
) -> None:
    url = bot.connector.service_url
    post = act.channel_post(url, act.PRIYA, "Step up consultation please")
    await bot.send(post)
    card = next(c for c in bot.connector.posted() if c.cards)
    real_id = card.cards[0]["actions"][0]["data"]["consultationId"]

    day = TUESDAY_10AM.date().isoformat()
    valid = {
        "consultationId": real_id,
        "covering": act.SAM.aad_id,
        "covered": act.EWA.aad_id,
        "firstDay": day,
        "lastDay": day,
        "outcome": "met",
        "upheld": "true",
        "urgent": "false",
        "dialog": "case_details",
    }
    rng = random.Random(18_6)
    statuses: list[int] = []
    for verb in VERBS:
        for person in PEOPLE:
            for round_ in range(5):
                if round_ < 2:  # everything crafted, the request id too in the second round
                    data = {field: _crafted(rng) for field in FIELDS}
                    if round_ == 0:
                        data["consultationId"] = real_id
                else:  # values a card could send, with one crafted field among them
                    data = {**valid, rng.choice(FIELDS): _crafted(rng)}
                channel = act.card_action(
                    url, person, verb, data, root_id=post["id"], card_activity_id="c"
                )
                personal = act.personal_card_action(url, person, verb, data)
                for activity in (channel, personal):
                    statuses.append((await bot.send(activity)).status)
    assert len(statuses) == len(VERBS) * len(PEOPLE) * 10
    assert [s for s in statuses if s >= 500] == []
    assert await _marked_cells(bot) == []
    errors = [r.getMessage() for r in caplog.records if r.levelno >= logging.ERROR]
    assert errors == []  # each crafted press is refused, none fails its turn
