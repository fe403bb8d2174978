"""Teams' rate limits, end to end: a burst of posts over HTTP reaches the connector paced, and
a 429 with Retry-After is honoured; every request still gets its card (issue 18 item 10).

The fake connector notes when each call arrived. Teams counts a channel's threads as the channel
(services/pacing.py), so the windows are checked per channel, 1:1 chat and new-conversation key.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from email.utils import format_datetime
from pathlib import Path

import pytest
from sqlalchemy import select

from bench.common import bench_users
from bench.pacing_bench import (
    all_delivered,
    burst,
    over_limits,
    paced_bot,
    pending,
    thread_cards,
)
from services.pacing import conversation_key
from storage.tables import escalation_outbox
from tests.support import activities as act
from tests.support.fake_connector import FakeConnector
from tests.support.press import card_of, texts_of

POSTS = 40  # from USERS people at 20 a second: the burst of issue 18, shortened
USERS = 10
SETTLE_S = 90.0  # every card must be in Teams by then (the channel's slots take ~12 s)


async def test_a_burst_of_posts_reaches_teams_within_its_limits_and_loses_nothing(
    database_url: str, tmp_path: Path, connector: FakeConnector
) -> None:
    async with paced_bot(database_url, tmp_path, connector, USERS, pacing=True) as bot:
        sent = await burst(bot, POSTS, USERS)
        posts = sent.posts
        await all_delivered(bot, posts, SETTLE_S)

        assert all(status == 201 for status in sent.statuses), sent.statuses
        assert [len(thread_cards(connector, p)) for p in posts] == [1] * POSTS  # none lost
        assert await pending(bot) == 0  # every checklist and form delivered too
        for post in posts:  # each thread's card is that requester's request
            shown = texts_of(card_of(thread_cards(connector, post)[0]))
            assert f"Requested by: {post['from']['name']}" in shown, shown
        assert over_limits(connector.arrivals) == []
        assert all(a.status < 400 for a in connector.arrivals)  # Teams never had to say 429


async def test_without_the_pacer_the_same_burst_breaks_teams_limits(
    database_url: str, tmp_path: Path, connector: FakeConnector
) -> None:
    # What the test above guards against: with pacing off the channel gets far more than 7 calls
    # in a second (Teams would answer 429 to the rest).
    async with paced_bot(database_url, tmp_path, connector, USERS, pacing=False) as bot:
        sent = await burst(bot, POSTS, USERS)
        await all_delivered(bot, sent.posts, SETTLE_S)
        assert over_limits(connector.arrivals) != []


@pytest.mark.parametrize("form", ["seconds", "http-date"])
async def test_a_429_with_retry_after_is_honoured_and_the_card_still_arrives(
    database_url: str, tmp_path: Path, connector: FakeConnector, form: str
) -> None:
    async with paced_bot(database_url, tmp_path, connector, USERS, pacing=True) as bot:
        wait_s = 3
        later = datetime.now(UTC) + timedelta(seconds=wait_s + 1)  # a date has whole seconds
        connector.throttle(1, str(wait_s) if form == "seconds" else format_datetime(later, True))
        post = act.channel_post(
            connector.service_url, bench_users(USERS)[0], "Requesting a step up consultation."
        )
        reply = await bot.send(post)
        assert reply.status == 201

        await all_delivered(bot, [post], SETTLE_S)
        thread = conversation_key(post["conversation"]["id"])
        to_thread = [
            a for a in connector.arrivals if conversation_key(a.conversation_id or "") == thread
        ]
        assert [a.status for a in to_thread] == [429, 200]  # refused once, then delivered
        refused, delivered = to_thread
        assert delivered.at - refused.at >= wait_s  # nothing to that channel before Retry-After
        assert len(thread_cards(connector, post)) == 1
        engine = bot.runtime.engine
        assert engine is not None
        async with engine.connect() as conn:
            attempts = (
                await conn.execute(
                    select(escalation_outbox.c.attempts).where(
                        escalation_outbox.c.kind == "thread_card"
                    )
                )
            ).scalar_one()
        assert attempts == 1  # the 429 used up none of its attempts: only the send counted
