"""Commands in the 1:1 chat: new request, who is on duty, help."""

from __future__ import annotations

import logging
import re

from botbuilder.core import CardFactory, MessageFactory, TurnContext

from bot.requests import RequestFlow
from bot.texts import help_text
from domain.roles import Role
from profiles.schema import Profile
from services.clock import Clock
from services.directory import Directory
from services.policy import Policy

log = logging.getLogger(__name__)

_NEW = re.compile(r"^(new( step-?up)?( request)?|request|step-?up)$")
_DUTY = re.compile(r"^(who('?s| is) on duty\??|duty|on duty)$")


def command_of(text: str) -> str:
    """The command a message asks for: "new", "duty" or "help"."""
    words = " ".join(re.sub(r"<at>.*?</at>", " ", text).lower().split())
    if _NEW.match(words):
        return "new"
    if _DUTY.match(words):
        return "duty"
    return "help"


class Commands:
    """Answers the 1:1 chat; the text itself is never logged."""

    def __init__(
        self,
        flow: RequestFlow,
        directory: Directory,
        profile: Profile,
        policy: Policy,
        clock: Clock,
    ) -> None:
        self._flow = flow
        self._directory = directory
        self._profile = profile
        self._policy = policy
        self._clock = clock

    async def handle(self, turn_context: TurnContext) -> None:
        """Route one personal message."""
        command = command_of(turn_context.activity.text or "")
        log.info("personal.command", extra={"verb": command})
        if command == "new":
            await self._new_request(turn_context)
        elif command == "duty":
            await turn_context.send_activity(await self._duty_text())
        else:
            await turn_context.send_activity(MessageFactory.text(help_text(self._profile)))

    async def _new_request(self, turn_context: TurnContext) -> None:
        sender = turn_context.activity.from_property
        person = await self._directory.by_id(sender.aad_object_id or "") if sender else None
        if person is None or Role.REQUESTER not in person.roles:
            await turn_context.send_activity(
                "Only FC/FSP managers, seniors and DSLs registered with the service can post "
                "step-up requests. Ask the MAP team to add you if you should."
            )
            return
        card = self._flow.new_request_form(person)
        await turn_context.send_activity(MessageFactory.attachment(CardFactory.adaptive_card(card)))

    async def _duty_text(self) -> str:
        duty = self._policy.rota.on_duty(self._clock.now())
        primary = await self._directory.by_id(duty.primary or "")
        deputy = await self._directory.by_id(duty.deputy or "")
        if primary is None:
            return "Nobody is on the duty rota this week: requests go to every MAP team manager."
        cover = " (covering)" if duty.source == "cover" else ""
        text = f"On duty this week: {primary.name}{cover}, MAP team manager."
        if deputy is not None:
            text += f" Deputy: {deputy.name}."
        return text
