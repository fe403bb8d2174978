"""The channel's stored reference names no poster, so posts by different people do not rewrite it.

It used to keep the last poster as its `user`: every post by someone else was a write
transaction (about one per post in the load burst) and every later send into the channel went
to that person as its recipient. A channel send needs no recipient.
"""

from __future__ import annotations

from datetime import UTC, timedelta

from botbuilder.core import MessageFactory
from sqlalchemy import select

from services.clock import MovableClock
from storage.db import reading
from storage.tables import conversation_refs
from tests.e2e.test_request_flow import TUESDAY_10AM  # Tom's week, after today
from tests.support import activities as act
from tests.support.fake_connector import FakeConnector
from tests.support.harness import installed_bot

KEY = f"channel:{act.STEPUP_CHANNEL}"


async def test_posts_by_different_people_leave_the_channel_reference_as_it_was(
    database_url: str, connector: FakeConnector
) -> None:
    async with installed_bot(database_url, connector, TUESDAY_10AM) as bot:
        url, clock, engine = connector.service_url, bot.clock, bot.runtime.engine
        assert isinstance(clock, MovableClock) and engine is not None
        rows = select(conversation_refs.c.reference, conversation_refs.c.updated_at).where(
            conversation_refs.c.key == KEY
        )
        for person in (act.PRIYA, act.EWA, act.SAM):
            post = act.channel_post(url, person, "Step up consultation please")
            assert (await bot.send(post)).status == 201
            clock.advance(timedelta(minutes=5))
            async with reading(engine) as conn:
                [(reference, updated_at)] = (await conn.execute(rows)).all()
            assert reference["conversation"]["id"] == act.STEPUP_CHANNEL
            assert reference.get("user") is None
            # Written by the first post only (SQLite gives the time back without its zone).
            assert updated_at.replace(tzinfo=UTC) == TUESDAY_10AM

        # A new thread still goes to the channel through it, addressed to nobody in particular.
        messenger = bot.runtime.messenger
        assert messenger is not None
        new_thread = await messenger.post_in_channel(
            act.STEPUP_CHANNEL, MessageFactory.text("A note for the channel")
        )
        assert new_thread is not None
        [call] = [c for c in connector.posted() if c.returned_id == new_thread]
        assert call.conversation_id == act.STEPUP_CHANNEL
        assert (call.body or {}).get("recipient") is None
