"""Malformed input gets its 4xx, or a clear refusal, never a 500 or an ERROR in the log.

Each of these came out of a fuzzing run as an unauthenticated 500 or a `turn.failed` ERROR
(with a traceback and an apology to the user). They are driven through `/api/messages` as
Teams (or anyone who can reach the endpoint) would send them, and the test fails when the
captured log holds any record at ERROR or above.
"""

from __future__ import annotations

import gzip
import json
import logging
from collections.abc import AsyncIterator, Iterator
from typing import Any
from zoneinfo import ZoneInfo

import pytest

from tests.e2e.test_request_flow import TUESDAY_10AM  # Tom's week, after today
from tests.support import activities as act
from tests.support.fake_connector import FakeConnector
from tests.support.harness import BotUnderTest, installed_bot


@pytest.fixture
async def bot(database_url: str, connector: FakeConnector) -> AsyncIterator[BotUnderTest]:
    async with installed_bot(database_url, connector, TUESDAY_10AM) as running:
        yield running


@pytest.fixture
def errors(caplog: pytest.LogCaptureFixture) -> Iterator[list[logging.LogRecord]]:
    """Every record at ERROR or above logged during the test (checked empty at the end)."""
    caplog.set_level(logging.INFO)
    found: list[logging.LogRecord] = []
    yield found
    found.extend(r for r in caplog.records if r.levelno >= logging.ERROR)
    assert not found, [f"{r.name}: {r.getMessage()}" for r in found]


def _json(bot: BotUnderTest, body: bytes, **headers: str) -> Any:
    return bot.raw("POST", "/api/messages", body, {"Content-Type": "application/json", **headers})


@pytest.mark.parametrize(
    "body",
    [
        pytest.param(b"this is not gzip", id="not-gzip"),
        pytest.param(gzip.compress(b'{"type": "message"')[:-6], id="truncated-gzip"),
        pytest.param(gzip.compress(b"\xff\xfe not utf-8 \xc3"), id="gzip-of-bad-utf8"),
    ],
)
async def test_a_body_that_does_not_decompress_gets_400(
    bot: BotUnderTest, errors: list[logging.LogRecord], body: bytes
) -> None:
    reply = await _json(bot, body, **{"Content-Encoding": "gzip"})
    assert reply.status == 400, reply.body
    assert (await bot.raw("GET", "/healthz")).status == 200


async def test_a_well_formed_gzip_body_is_still_accepted(
    bot: BotUnderTest, errors: list[logging.LogRecord]
) -> None:
    activity = act.personal_message(bot.connector.service_url, act.PRIYA, "help")
    reply = await _json(
        bot, gzip.compress(json.dumps(activity).encode()), **{"Content-Encoding": "gzip"}
    )
    assert reply.status == 201, reply.body


def _cover(bot: BotUnderTest, first: str, last: str) -> dict[str, Any]:
    activity = act.personal_message(bot.connector.service_url, act.TOM, "")
    data = {"covering": act.EWA.aad_id, "covered": act.TOM.aad_id}
    activity.update(
        type="invoke",
        name="adaptiveCard/action",
        value={
            "action": {
                "type": "Action.Execute",
                "verb": "set_cover",
                "data": {**data, "firstDay": first, "lastDay": last},
            },
            "trigger": "manual",
        },
    )
    return activity


@pytest.mark.parametrize(
    ("first", "last"),
    [
        pytest.param("9999-12-30", "9999-12-31", id="last-day-of-the-calendar"),
        pytest.param("9999-12-31", "9999-12-31", id="one-day-at-the-end"),
        # From the fixture's today (London date of TUESDAY_10AM) to the calendar's last day.
        pytest.param(
            TUESDAY_10AM.astimezone(ZoneInfo("Europe/London")).date().isoformat(),
            "9999-12-31",
            id="to-the-end-of-time",
        ),
    ],
)
async def test_cover_at_the_end_of_the_calendar_is_refused_clearly(
    bot: BotUnderTest, errors: list[logging.LogRecord], first: str, last: str
) -> None:
    reply = await bot.send(_cover(bot, first, last))
    assert reply.status == 200, reply.body
    shown = json.dumps(reply.body)
    assert "Set cover on the duty rota" in shown  # the form again, with the problem
    assert "something went wrong" not in shown
    assert "Ewa Nowak covers" not in shown


@pytest.mark.parametrize(
    "value",
    [
        pytest.param("set_cover", id="string"),
        pytest.param(7, id="number"),
        pytest.param([{"action": {"verb": "set_cover"}}], id="array"),
        pytest.param(True, id="boolean"),
        pytest.param(None, id="null"),
    ],
)
@pytest.mark.parametrize("name", ["adaptiveCard/action", "task/fetch", "task/submit"])
async def test_an_invoke_whose_value_is_not_an_object_gets_400(
    bot: BotUnderTest, errors: list[logging.LogRecord], name: str, value: object
) -> None:
    activity = act.personal_card_action(bot.connector.service_url, act.TOM, "set_cover", {})
    activity.update(name=name, value=value)
    reply = await bot.send(activity)
    assert reply.status == 400, reply.body
    assert "value" in reply.body["error"]
    assert bot.connector.calls == []


@pytest.mark.parametrize(
    ("name", "value"),
    [
        ("composeExtension/query", {"commandId": "search", "parameters": "x"}),
        ("composeExtension/querySettingUrl", {"parameters": 7}),
        ("composeExtension/submitAction", {}),
        ("tab/submit", {"data": 7}),
        ("signin/verifyState", {"state": 3}),
        ("unknown/verb", {}),
    ],
)
async def test_an_invoke_the_bot_does_not_serve_gets_501_without_a_turn(
    bot: BotUnderTest, errors: list[logging.LogRecord], name: str, value: object
) -> None:
    activity = act.personal_card_action(bot.connector.service_url, act.TOM, "set_cover", {})
    activity.update(name=name, value=value)
    reply = await bot.send(activity)
    assert reply.status == 501, reply.body
    assert bot.connector.calls == []


@pytest.mark.parametrize(
    "value", [{"action": 7}, {"action": "accept", "context": "x"}, {"action": "accept"}]
)
async def test_a_malformed_file_consent_answer_gets_400_and_sends_nothing(
    bot: BotUnderTest, errors: list[logging.LogRecord], value: object
) -> None:
    # Served since the audit export (bot/audit_export.py): checked before anything is looked up.
    activity = act.personal_card_action(bot.connector.service_url, act.TOM, "set_cover", {})
    activity.update(name="fileConsent/invoke", value=value)
    reply = await bot.send(activity)
    assert reply.status == 400, reply.body
    assert bot.connector.calls == []


@pytest.mark.parametrize(
    "name", [pytest.param(7, id="number"), pytest.param({"x": 1}, id="object"), [1, 2]]
)
@pytest.mark.parametrize("event", ["installationUpdate", "conversationUpdate"])
async def test_an_install_event_whose_team_name_is_not_a_string_gets_400(
    bot: BotUnderTest, errors: list[logging.LogRecord], event: str, name: object
) -> None:
    activity = act.bot_added_to_team(bot.connector.service_url)
    if event == "installationUpdate":
        activity = act.installation_added(bot.connector.service_url)
    activity["channelData"]["team"]["name"] = name
    reply = await bot.send(activity)
    assert reply.status == 400, reply.body


@pytest.mark.parametrize(
    "members",
    [
        pytest.param(["28:bot"], id="strings"),
        pytest.param([7], id="numbers"),
        pytest.param([None], id="null"),
        pytest.param([[{"id": "x"}]], id="nested-array"),
        pytest.param({"id": "x"}, id="object-not-array"),
        pytest.param([{"id": 7}], id="id-not-a-string"),
    ],
)
@pytest.mark.parametrize("field", ["membersAdded", "membersRemoved"])
async def test_members_that_are_not_accounts_get_400(
    bot: BotUnderTest, errors: list[logging.LogRecord], field: str, members: object
) -> None:
    activity = act.bot_added_to_team(bot.connector.service_url)
    activity.pop("membersAdded")
    activity[field] = members
    reply = await bot.send(activity)
    assert reply.status == 400, reply.body


@pytest.mark.parametrize("field", ["id", "replyToId"])
async def test_a_post_whose_message_id_no_url_can_hold_gets_400_and_sends_nothing(
    bot: BotUnderTest, errors: list[logging.LogRecord], field: str
) -> None:
    # Found by the fuzz walk: an 8 KB id became the connector URL of the reply (";messageid="),
    # which the connector refused, failing the turn with an ERROR instead of a 400.
    post = act.channel_post(bot.connector.service_url, act.PRIYA, "Step up consultation please")
    post[field] = "x" * 8092
    reply = await bot.send(post)
    assert reply.status == 400, reply.body
    assert field in reply.body["error"]
    assert bot.connector.calls == []
    normal = act.channel_post(bot.connector.service_url, act.PRIYA, "Step up consultation please")
    assert (await bot.send(normal)).status == 201  # an ordinary post is still served
