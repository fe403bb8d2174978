"""The duty rota in the bot: MAP managers set cover; Monday's post names who is on duty, once."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import date, datetime, timedelta
from typing import Any

import pytest

from services.clock import MovableClock
from tests.e2e.test_request_flow import LONDON, TUESDAY_10AM, _texts, london
from tests.support import activities as act
from tests.support.dates import demo_calendar, duty_day_at
from tests.support.fake_connector import FakeConnector
from tests.support.harness import BotUnderTest, installed_bot


def _midweek_tuesday() -> datetime:
    """TUESDAY_10AM, or the next Tuesday 10:00 in Tom's week after it whose Monday is a working
    day: so the Tuesday is mid-week, not the week's first working day (after a bank holiday
    Monday the duty post is due on the Tuesday)."""
    moment = TUESDAY_10AM
    while not demo_calendar().is_working_day(moment.astimezone(LONDON).date() - timedelta(days=1)):
        moment = duty_day_at(act.TOM.aad_id, weekday=1, hour=10, after=moment)
    return moment


# Computed from the real today (the dev clock only moves forward): the fixture's Tuesday is in
# Tom's week; the Monday is the first working Monday after it in Ewa's week (the rota alternates).
TUESDAY_MIDWEEK = _midweek_tuesday()
TUESDAY: date = TUESDAY_MIDWEEK.astimezone(LONDON).date()
MONDAY_8AM = duty_day_at(act.EWA.aad_id, weekday=0, hour=8, after=TUESDAY_MIDWEEK)


def _day(offset: int) -> str:
    """The fixture's Tuesday plus `offset` days, as a cover form sends it ("2026-12-08")."""
    return (TUESDAY + timedelta(days=offset)).isoformat()


def _shown(offset: int) -> str:
    """That day as the bot's cover text shows it, e.g. "Tue 8 Dec"."""
    return f"{TUESDAY + timedelta(days=offset):%a %-d %b}"


@pytest.fixture
async def bot(database_url: str, connector: FakeConnector) -> AsyncIterator[BotUnderTest]:
    async with installed_bot(database_url, connector, TUESDAY_MIDWEEK) as running:  # Tom's week
        yield running


def _cover(bot: BotUnderTest, user: act.User, **data: Any) -> dict[str, Any]:
    activity = act.personal_message(bot.connector.service_url, user, "")
    activity.update(
        type="invoke",
        name="adaptiveCard/action",
        value={
            "action": {"type": "Action.Execute", "verb": "set_cover", "data": data},
            "trigger": "manual",
        },
    )
    return activity


async def test_a_map_manager_sets_cover_and_new_requests_go_to_the_cover(
    bot: BotUnderTest,
) -> None:
    url = bot.connector.service_url
    await bot.send(act.personal_message(url, act.TOM, "set cover"))
    assert "Set cover on the duty rota" in _texts(bot.connector.posted()[0].cards[0])
    reply = await bot.send(
        _cover(
            bot,
            act.TOM,
            covering=act.EWA.aad_id,
            covered=act.TOM.aad_id,
            firstDay=_day(0),  # the Tuesday
            lastDay=_day(3),  # to the Friday
        )
    )
    assert (
        f"Ewa Nowak covers Tom Okafor from {_shown(0)} to {_shown(3)} (set by Tom Okafor)"
        in _texts(reply.body["value"])
    )
    await bot.send(act.personal_message(url, act.PRIYA, "who is on duty"))
    assert bot.connector.posted()[-1].text.startswith("On duty this week: Ewa Nowak (covering)")
    post = act.channel_post(url, act.PRIYA, "Step up consultation please")
    await bot.send(post)
    card = next(
        c
        for c in bot.connector.posted()
        if c.cards and c.conversation_id == post["conversation"]["id"]
    )
    assert "<at>Ewa Nowak</at>" in _texts(card.cards[0])


@pytest.mark.parametrize(
    ("user", "data", "reason"),
    [
        pytest.param(
            act.PRIYA, {"covering": act.EWA.aad_id}, "Only MAP team managers", id="requester"
        ),
        pytest.param(
            act.TOM,
            {"covering": act.PRIYA.aad_id},
            "Choose a MAP team manager",
            id="requester-as-cover",
        ),
        pytest.param(
            act.TOM,
            {"covering": act.EWA.aad_id, "firstDay": _day(3), "lastDay": _day(1)},
            "on or after",
            id="backwards",
        ),
        pytest.param(
            act.TOM,
            {"covering": act.EWA.aad_id, "firstDay": _day(-22), "lastDay": _day(-18)},
            "over already",
            id="past",
        ),
        pytest.param(
            act.TOM, {"covering": act.EWA.aad_id, "firstDay": "soon"}, "calendar", id="not-a-date"
        ),
    ],
)
async def test_a_cover_that_cannot_be_set_says_why_and_changes_nothing(
    bot: BotUnderTest, user: act.User, data: dict[str, str], reason: str
) -> None:
    values = {"firstDay": _day(1), "lastDay": _day(2), **data}
    reply = await bot.send(_cover(bot, user, **values))
    assert reason in _texts(reply.body["value"])
    await bot.send(act.personal_message(bot.connector.service_url, act.PRIYA, "duty"))
    assert bot.connector.posted()[-1].text.startswith("On duty this week: Tom Okafor,")


async def test_mondays_post_names_the_duty_manager_once_even_after_a_restart(
    bot: BotUnderTest,
) -> None:
    clock = bot.clock
    assert isinstance(clock, MovableClock)
    clock.set(MONDAY_8AM)
    ticker = bot.runtime.ticker
    assert ticker is not None
    await ticker.run_now()
    assert [c for c in bot.connector.posted() if c.conversation_id == act.STEPUP_CHANNEL] == []
    clock.set(london(MONDAY_8AM, 9, 1))  # just after that Monday's opening
    await ticker.run_now()
    await ticker.run_now()
    await bot.restart()
    assert bot.runtime.ticker is not None
    await bot.runtime.ticker.run_now()
    posts = [c for c in bot.connector.posted() if c.conversation_id == act.STEPUP_CHANNEL]
    assert [p.text for p in posts] == [
        "On duty this week for step-up requests: **Ewa Nowak**, MAP team manager. Deputy: Sam Reid."
    ]


async def test_a_bot_started_mid_week_does_not_announce_late(bot: BotUnderTest) -> None:
    ticker = bot.runtime.ticker
    assert ticker is not None
    await ticker.run_now()  # the fixture's clock is Tuesday
    assert [c for c in bot.connector.posted() if c.conversation_id == act.STEPUP_CHANNEL] == []
