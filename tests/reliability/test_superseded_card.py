"""A second card in a thread is harmless: the superseded one's buttons point at the live card.

Sending a card and recording its id cannot be one step. When Teams posts the card but the answer
never reaches the bot (a time-out, a kill between the two), the card is sent again and the thread
holds two request cards; before, both kept working buttons (issue 18 item 9). The card whose id
is not the recorded one now changes nothing and says where the live card is.
"""

from __future__ import annotations

import asyncio
from collections.abc import Iterator

import msrest.universal_http
import pytest
from aiohttp import web

from tests.reliability.flows import TUESDAY_10AM, running_flow
from tests.support import activities as act
from tests.support.fake_connector import FakeConnector

CLIENT_TIMEOUT = 0.5  # seconds; the connector client's own default is 100


class LateConnector(FakeConnector):
    """Posts the next activity, as Teams does, but answers only after the client gave up."""

    def __init__(self) -> None:
        super().__init__()
        self.late = 0

    async def _handle(self, request: web.Request) -> web.Response:
        if self.late > 0 and request.method == "POST" and "/activities" in request.path:
            self.late -= 1
            answer = await super()._handle(request)  # delivered: Teams has the card
            await asyncio.sleep(CLIENT_TIMEOUT * 4)  # the bot never hears it
            return answer
        return await super()._handle(request)


@pytest.fixture
def short_client_timeout(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    original = msrest.universal_http.ClientConnection.__init__

    def init(self: msrest.universal_http.ClientConnection) -> None:
        original(self)
        setattr(self, "timeout", CLIENT_TIMEOUT)  # noqa: B010 - msrest types it as an int

    monkeypatch.setattr(msrest.universal_http.ClientConnection, "__init__", init)
    yield


async def test_the_superseded_card_changes_nothing_and_points_at_the_live_one(
    database_url: str, short_client_timeout: None
) -> None:
    late = LateConnector()
    await late.start()
    try:
        async with running_flow(database_url, late, TUESDAY_10AM) as flow:
            late.late = 1
            post = act.channel_post(flow.url, act.PRIYA, "Step up consultation please")
            assert (await flow.bot.send(post)).status == 201
            await flow.bot.send(post)  # Teams redelivers: the card is sent again
            thread = post["conversation"]["id"]
            cards = [c for c in late.posted() if c.conversation_id == thread and c.cards]
            assert len(cards) == 2, "the scenario needs two cards in the thread"
            old, live = cards
            consultation_id = old.cards[0]["actions"][0]["data"]["consultationId"]

            def press(card_id: str) -> dict[str, object]:
                return act.card_action(
                    flow.url,
                    act.TOM,
                    "acknowledge",
                    {"consultationId": consultation_id},
                    root_id=post["id"],
                    card_activity_id=card_id,
                )

            refused = await flow.bot.send(press(old.returned_id or ""))
            assert refused.status == 200
            assert "replaced" in str(refused.body["value"]).lower()
            consultation = await flow.consultation(consultation_id)
            assert consultation.acknowledged_at is None  # nothing changed

            accepted = await flow.bot.send(press(live.returned_id or ""))
            assert accepted.body["type"] == "application/vnd.microsoft.card.adaptive"
            assert (await flow.consultation(consultation_id)).acknowledged_at is not None
    finally:
        await late.close()
