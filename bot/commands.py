"""Commands in the 1:1 chat (new request, who is on duty, my requests, cover, help) and the
@mention commands in the channel."""

from __future__ import annotations

import logging
import re
from collections.abc import Mapping
from datetime import date
from typing import Any
from zoneinfo import ZoneInfo

from botbuilder.core import CardFactory, MessageFactory, TurnContext
from botbuilder.schema import Activity

from bot import invokes
from bot.audit_export import AuditExporter
from bot.flow_cases import FlowCases
from bot.messenger import Messenger
from bot.people import sender_of
from bot.requests import RequestFlow
from bot.texts import channel_help_text, help_text
from cards.common import VERB_SET_COVER, card, text
from cards.forms import cover_form
from cards.my_requests import ListContext, my_requests_card
from domain.roles import Role
from profiles.schema import Profile
from services.clock import Clock
from services.directory import Directory, StaffPerson
from services.queue import QueueService
from services.rota import CoverRefused, RotaService

log = logging.getLogger(__name__)

NOT_IN_DIRECTORY = "You are not in the directory of this service."

_NEW = re.compile(r"^(new( step-?up)?( request)?|request|step-?up)$")
_DUTY = re.compile(r"^(who('?s| is) on duty|duty|on duty)$")
_COVER = re.compile(r"^(set )?cover$")
_HELP = re.compile(r"^(help|commands|what can you do)$")
_MINE = re.compile(r"^(my( open)? requests?|mine)$")
_STEP_DOWN = re.compile(r"^(record |new )?(a )?step[- ]?down$")
_EXPORT = re.compile(r"^export( the)? audit( trail)?( of| for)? (?P<reference>\S+)$")

CHANNEL_COMMANDS = {"help": _HELP, "duty": _DUTY, "mine": _MINE}
"""What an @mention in the channel can ask; "new request" there is a request in itself."""


def _words(text: str) -> str:
    """The message without mentions, lower-cased, one space between words, no end stop."""
    words = " ".join(re.sub(r"<at>.*?</at>", " ", text).lower().split())
    return words.rstrip(" ?!.")


def command_of(text: str) -> str:
    """The command a 1:1 message asks for: "new", "step_down", "duty", "cover", "mine",
    "export" or "help"."""
    words = _words(text)
    if _NEW.match(words):
        return "new"
    if _STEP_DOWN.match(words):
        return "step_down"
    if _DUTY.match(words):
        return "duty"
    if _COVER.match(words):
        return "cover"
    if _MINE.match(words):
        return "mine"
    if _EXPORT.match(words):
        return "export"
    return "help"


def mentions_bot(activity: Activity) -> bool:
    """Whether a message @mentions this bot (the mention entity Teams adds names its id)."""
    bot_id = activity.recipient.id if activity.recipient else None
    # Not TurnContext.get_mentions: it reads `.type` of every entity and fails on a null one,
    # which a crafted (or mangled) activity may carry (found by tests/reliability/test_fuzz.py).
    for entity in activity.entities or ():
        if getattr(entity, "type", None) != "mention":
            continue
        mentioned = (getattr(entity, "additional_properties", None) or {}).get("mentioned")
        if isinstance(mentioned, dict) and bot_id and mentioned.get("id") == bot_id:
            return True
    return False


def channel_command(activity: Activity) -> str | None:
    """The command a channel message gives when it @mentions the bot and says nothing else
    ("help", "who is on duty", "my requests"); None for anything else, a request included."""
    if not mentions_bot(activity):
        return None
    words = _words(activity.text or "")
    return next((name for name, rule in CHANNEL_COMMANDS.items() if rule.match(words)), None)


class Commands:
    """Answers the 1:1 chat; the text itself is never logged."""

    def __init__(
        self,
        flow: RequestFlow,
        directory: Directory,
        profile: Profile,
        rota: RotaService,
        clock: Clock,
        queue: QueueService,
        messenger: Messenger,
        exports: AuditExporter | None = None,
        flow_cases: FlowCases | None = None,
    ) -> None:
        self._flow_cases = flow_cases
        self._exports = exports
        self._queue = queue
        self._messenger = messenger
        self._rota = rota
        self._flow = flow
        self._directory = directory
        self._profile = profile
        self._clock = clock

    async def handle(self, turn_context: TurnContext) -> None:
        """Route one personal message."""
        command = command_of(turn_context.activity.text or "")
        log.info("personal.command", extra={"verb": command})
        if command == "new":
            await self._new_request(turn_context)
        elif command == "step_down" and self._flow_cases is not None:
            await self._flow_cases.command(turn_context)
        elif command == "duty":
            await turn_context.send_activity(await self.duty_text())
        elif command == "cover":
            await self._cover_form(turn_context)
        elif command == "mine":
            await self._my_requests_here(turn_context)
        elif command == "export" and self._exports is not None:
            found = _EXPORT.match(_words(turn_context.activity.text or ""))
            assert found is not None
            await self._exports.command(turn_context, found["reference"][:40])
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

    async def answer_in_channel(self, turn_context: TurnContext, command: str) -> None:
        """Answer an @mention command in its thread; the message opens no request."""
        log.info("channel.command", extra={"verb": command})
        if command == "duty":
            await turn_context.send_activity(await self.duty_text())
        elif command == "mine":
            await self._my_requests_privately(turn_context)
        else:
            await turn_context.send_activity(MessageFactory.text(channel_help_text(self._profile)))

    async def _my_requests_here(self, turn_context: TurnContext) -> None:
        person = await sender_of(turn_context, self._directory)
        if person is None:
            await turn_context.send_activity(NOT_IN_DIRECTORY)
            return
        card = await self.my_requests(person)
        await turn_context.send_activity(MessageFactory.attachment(CardFactory.adaptive_card(card)))

    async def _my_requests_privately(self, turn_context: TurnContext) -> None:
        """A queue names other services' requests: the list goes to the 1:1 chat, never the
        channel, and the thread gets one line saying where it went."""
        person = await sender_of(turn_context, self._directory)
        if person is None:
            await turn_context.send_activity(NOT_IN_DIRECTORY)
            return
        sent = await self._messenger.send_private(person, await self.my_requests(person))
        await turn_context.send_activity(
            "I have sent your list of requests to your 1:1 chat with me."
            if sent
            else "I could not open a 1:1 chat with you just now: send me **my requests** "
            "there (Chat, then Step Up Bot)."
        )

    async def my_requests(self, person: StaffPerson) -> dict[str, Any]:
        """The person's lists as a card (their own requests, the queue, or what is late)."""
        sections = await self._queue.sections(person)
        names = {p.id: p.name for p in await self._directory.everyone()}
        context = ListContext(
            names=names,
            timezone=self._profile.working_hours.timezone,
            group_id=self._profile.team.aad_group_id,
            next_deadline=self._queue.next_deadline,
            now=self._clock.now(),
        )
        return my_requests_card(sections, context)

    def card_verbs(self) -> dict[str, invokes.CardHandler]:
        """The Action.Execute verbs the 1:1 commands answer."""
        return {VERB_SET_COVER: self._set_cover}

    async def _cover_form(self, turn_context: TurnContext, problem: str | None = None) -> None:
        person = await sender_of(turn_context, self._directory)
        if person is None or Role.MAP_TEAM_MANAGER not in person.roles:
            await turn_context.send_activity("Only MAP team managers can set cover.")
            return
        await turn_context.send_activity(
            MessageFactory.attachment(CardFactory.adaptive_card(await self._form(problem)))
        )

    async def _form(self, problem: str | None = None) -> dict[str, Any]:
        people = await self._directory.everyone()
        workers = [
            (p.id, p.name)
            for p in people
            if p.roles & {Role.MAP_TEAM_MANAGER, Role.MAP_ADVANCED_PRACTITIONER}
        ]
        managers = [(p.id, p.name) for p in people if Role.MAP_TEAM_MANAGER in p.roles]
        today = self._clock.now().astimezone(ZoneInfo(self._profile.working_hours.timezone))
        return cover_form(workers, managers, today.date().isoformat(), problem)

    async def _set_cover(
        self, turn_context: TurnContext, data: Mapping[str, Any]
    ) -> dict[str, Any]:
        person = await sender_of(turn_context, self._directory)
        if person is None:
            return invokes.card_message("You are not in the directory of this service.")
        try:
            first, last = _day(data.get("firstDay")), _day(data.get("lastDay"))
            cover = await self._rota.set_cover(
                person,
                str(data.get("covering") or ""),
                str(data.get("covered") or "") or None,
                first,
                last,
            )
        except CoverRefused as refused:
            return invokes.card_replacement(await self._form(str(refused)))
        covering = await self._directory.by_id(cover.covering)
        covered = await self._directory.by_id(cover.covered or "")
        line = (
            f"{covering.name if covering else 'Someone'} covers "
            f"{covered.name if covered else 'the duty manager'} from {first:%a %-d %b} to "
            f"{last:%a %-d %b} (set by {person.name})."
        )
        return invokes.card_replacement(card([text("Cover set", weight="Bolder"), text(line)]))

    async def duty_text(self) -> str:
        """Who is on duty now, in one line."""
        duty = (await self._rota.rota()).on_duty(self._clock.now())
        primary = await self._directory.by_id(duty.primary or "")
        deputy = await self._directory.by_id(duty.deputy or "")
        if primary is None:
            return "Nobody is on the duty rota this week: requests go to every MAP team manager."
        cover = " (covering)" if duty.source == "cover" else ""
        text = f"On duty this week: {primary.name}{cover}, MAP team manager."
        if deputy is not None:
            text += f" Deputy: {deputy.name}."
        return text


def _day(value: object) -> date:
    try:
        return date.fromisoformat(str(value))
    except ValueError:
        raise CoverRefused("Choose the days from the calendar.") from None
