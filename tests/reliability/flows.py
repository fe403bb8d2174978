"""Drive requests to a given state over real HTTP, and read back what the bot stored and sent."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import func, select

from domain.consultation import Consultation
from services.clock import MovableClock
from storage.tables import access_audit, case_details
from tests.support import activities as act
from tests.support.dates import duty_day_at
from tests.support.fake_connector import ConnectorCall, FakeConnector
from tests.support.harness import BotUnderTest, Reply, local_settings

# A Tuesday after today, 10:00 in London, in Tom's duty week (computed from the real today:
# the dev clock only moves forward, so a fixed date would fail once the calendar passed it).
TUESDAY_10AM = duty_day_at(act.TOM.aad_id, weekday=1, hour=10)

EHM = "EHM 7304518"
PHONE = "0113 496 0577"
VALID_DETAILS = {"ehmNumber": EHM, "oversight": "Supervision notes on EHM, 20 Nov", "phone": PHONE}

CARD = "application/vnd.microsoft.card.adaptive"
MESSAGE = "application/vnd.microsoft.activity.message"


@dataclass(frozen=True)
class Request:
    """A request as the channel shows it: the post, the bot's card and the consultation id."""

    post: dict[str, Any]
    card: ConnectorCall
    id: str


class Flow:
    """Posts, presses and reads on one running bot."""

    def __init__(self, bot: BotUnderTest) -> None:
        self.bot = bot

    @property
    def url(self) -> str:
        return self.bot.connector.service_url

    async def install(self) -> None:
        reply = await self.bot.send(act.installation_added(self.url))
        assert reply.status == 201, reply

    async def post(self, text: str = "Step up consultation please") -> Request:
        post = act.channel_post(self.url, act.PRIYA, text)
        reply = await self.bot.send(post)
        assert reply.status == 201, reply
        thread = post["conversation"]["id"]
        cards = [c for c in self.bot.connector.posted() if c.conversation_id == thread and c.cards]
        assert len(cards) == 1, [c.op for c in self.bot.connector.calls]
        return Request(post, cards[0], cards[0].cards[0]["actions"][0]["data"]["consultationId"])

    def card_press(
        self, request: Request, user: act.User, verb: str, **data: Any
    ) -> dict[str, Any]:
        """The invoke Teams sends when `user` presses a button on the request's thread card."""
        return act.card_action(
            self.url,
            user,
            verb,
            {"consultationId": request.id, **data},
            root_id=request.post["id"],
            card_activity_id=request.card.returned_id or "",
        )

    def chat_press(
        self, request: Request, user: act.User, verb: str, **data: Any
    ) -> dict[str, Any]:
        """The invoke for a button on a card in `user`'s 1:1 chat with the bot."""
        return act.personal_card_action(
            self.url, user, verb, {"consultationId": request.id, **data}
        )

    async def press(self, request: Request, user: act.User, verb: str, **data: Any) -> Reply:
        reply = await self.bot.send(self.card_press(request, user, verb, **data))
        assert reply.status == 200, reply
        return reply

    async def ok(self, request: Request, user: act.User, verb: str, **data: Any) -> None:
        """Press and insist that it worked (used to set a state up)."""
        reply = await self.press(request, user, verb, **data)
        assert reply.body["type"] == CARD, (verb, user.name, reply.body)

    # --- states ---------------------------------------------------------------------------

    async def assigned(self) -> Request:
        return await self.post()

    async def acknowledged(self) -> Request:
        request = await self.post()
        await self.ok(request, act.TOM, "acknowledge")
        return request

    async def called_back(self) -> Request:
        request = await self.acknowledged()
        await self.ok(request, act.TOM, "record_callback")
        return request

    async def decided(self) -> Request:
        request = await self.acknowledged()
        await self.ok(request, act.TOM, "record_outcome", outcome="threshold_not_met")
        return request

    async def under_first_review(self) -> Request:
        """Disputed once: Ewa (the other MAP team manager) reviews."""
        request = await self.decided()
        await self.ok(request, act.PRIYA, "dispute")
        return request

    async def disputed_again(self) -> Request:
        """Ewa upheld it and Priya disputed again: the service managers review (level 2)."""
        request = await self.under_first_review()
        await self.ok(request, act.EWA, "review", upheld="true")
        await self.ok(request, act.PRIYA, "dispute")
        return request

    async def with_details(self, request: Request | None = None) -> Request:
        request = request or await self.acknowledged()
        reply = await self.bot.send(
            self.chat_press(request, act.PRIYA, "provide_details", **VALID_DETAILS)
        )
        assert reply.body["type"] == CARD, reply.body
        return request

    # --- reads ----------------------------------------------------------------------------

    async def consultation(self, consultation_id: str) -> Consultation:
        service = self.bot.runtime.consultations
        assert service is not None
        found = await service.get(consultation_id)
        assert found is not None
        return found[0]

    async def audit(self, consultation_id: str) -> list[tuple[str, str, bool]]:
        """(actor, action, allowed) for every access_audit row of a consultation, in order."""
        engine = self.bot.runtime.engine
        assert engine is not None
        query = (
            select(access_audit.c.actor_id, access_audit.c.action, access_audit.c.allowed)
            .where(access_audit.c.consultation_id == consultation_id)
            .order_by(access_audit.c.id)
        )
        async with engine.connect() as conn:
            return [(r.actor_id, r.action, bool(r.allowed)) for r in await conn.execute(query)]

    async def sealed_rows(self) -> int:
        engine = self.bot.runtime.engine
        assert engine is not None
        async with engine.connect() as conn:
            count = await conn.execute(select(func.count()).select_from(case_details))
            return int(count.scalar() or 0)


@asynccontextmanager
async def running_flow(
    database_url: str,
    connector: FakeConnector,
    at: datetime = TUESDAY_10AM,
    *,
    pacing: bool = True,
) -> AsyncIterator[Flow]:
    """The app in local mode on a clock stopped at `at`, installed in the demo team.

    `pacing=False` for tests that walk a case through many states at machine speed (dozens of
    posts a second in one channel, which Teams would refuse too): the pacer would rightly hold
    them back for seconds. Pacing has its own tests (tests/unit and tests/e2e/test_pacing.py).
    """
    settings = local_settings(database_url, pacing=pacing)
    bot = BotUnderTest(settings, connector, clock=MovableClock(at))
    await bot.start()
    try:
        flow = Flow(bot)
        await flow.install()
        yield flow
    finally:
        await bot.stop()
