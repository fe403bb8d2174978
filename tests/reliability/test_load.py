"""The load burst of issue #10, shortened: nothing lost or doubled, every answer in Teams' time.

`make bench` runs the full burst (bench/load_bench.py: 200 posts from 50 users within 10 s, each
acknowledged by the duty manager, beside a bare echo bot). This is the same driver and the same
checks, smaller and in-process, on each database. Latency is held only to Teams' own limits (a
message within 10 s, an invoke within 5 s), never to our own targets, and the rate is set so
those keep a wide margin even on a busy machine.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from pathlib import Path

from bench.common import POST_TEXT, TUESDAY_10AM
from bench.load_bench import Burst, burst_in_process, consultation_ids
from tests.support import activities as act
from tests.support.fake_connector import ConnectorCall, FakeConnector
from tests.support.harness import installed_bot

# 3 posts and 3 presses a second from 10 people: far inside what one process holding bot, client
# and connector manages even on a shared 2-core machine (slowest answer 0.7 s at a load average of
# 4.6). At 5 a second that load average pushed a press to 3.9 s, too near Teams' 5 s to be a
# steady test; the full burst (20 posts a second) is `make bench`'s job.
SHORT = Burst(posts=30, users=10, window_s=10.0, press_delay_s=0.5)


async def test_a_burst_of_posts_and_presses_loses_and_doubles_nothing(
    database_url: str, tmp_path: Path
) -> None:
    run = await burst_in_process(database_url, SHORT, tmp_path)

    assert run.problems == []  # answers, one card per thread, one consultation, its events
    assert len(run.post_ms) == len(run.press_ms) == SHORT.posts
    assert run.over_limits() == []


@dataclass
class PressOnCard(FakeConnector):
    """A connector that, given the thread card, lets Tom press it before answering the bot."""

    press: Callable[[ConnectorCall], Awaitable[None]] | None = None

    async def _record(self, call: ConnectorCall) -> None:
        await super()._record(call)
        if self.press is not None and call.cards and ";messageid=" in (call.conversation_id or ""):
            press, self.press = self.press, None
            await press(call)


async def test_a_press_before_the_card_id_is_stored_still_updates_the_thread_card(
    database_url: str,
) -> None:
    # In Teams the card is on screen as soon as the connector has it; under load the post's turn
    # may take seconds more to store its id. This makes that window certain instead of likely.
    connector = PressOnCard()
    await connector.start()
    try:
        async with installed_bot(database_url, connector, TUESDAY_10AM) as bot:
            post = act.channel_post(connector.service_url, act.PRIYA, POST_TEXT)
            pressed: list[int] = []

            async def press(card: ConnectorCall) -> None:
                (consultation_id,) = consultation_ids(card.cards)
                reply = await bot.send(
                    act.card_action(
                        connector.service_url,
                        act.TOM,
                        "acknowledge",
                        {"consultationId": consultation_id},
                        root_id=post["id"],
                        card_activity_id=card.returned_id or "",
                    )
                )
                pressed.append(reply.status)

            connector.press = press
            assert (await bot.send(post)).status == 201
            assert pressed == [200]
            (card,) = [
                c
                for c in connector.posted()
                if c.cards and c.conversation_id == post["conversation"]["id"]
            ]
            assert [c.activity_id for c in connector.of("update")] == [card.returned_id]
    finally:
        await connector.close()
