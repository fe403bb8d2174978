"""The 1:1 chat side of the profile's other flows (Surrey's step down): open, step, be told.

A step down is between the area team and the receiving FC/FSP, so it never touches the
step-up channel: its card lives in the 1:1 chats of the people it concerns, each seeing only
the steps they may take, and every notice (a new owner, a step to know of, a reminder, an
escalation) is a private message carrying that person's own view of the case. Card inputs
are read here and passed on as they came; the engine reads them against the definition.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from typing import Any

from botbuilder.core import CardFactory, MessageFactory, TurnContext

from bot import invokes
from bot.messenger import Messenger, NoRoute
from bot.notifier import NotDelivered
from bot.people import sender_of
from cards.flow_case import (
    VERB_FLOW_FORM,
    VERB_FLOW_OPEN,
    VERB_FLOW_STEP,
    VERB_FLOW_VIEW,
    CaseView,
    case_card,
    opening_form,
    step_form,
    step_title,
)
from domain.process.engine import Case, Event, Refused, available, owners, tasks
from domain.process.model import Flow, Transition
from services.directory import Directory, StaffPerson
from services.flow_cases import FLOW_NOTICE_PREFIX, FlowCaseService
from services.ports import OutboxMessage

log = logging.getLogger(__name__)

STEP_DOWN = "step_down"
NOT_KNOWN = "You are not in the directory of this service."
_CARD_KEYS = frozenset({"caseId", "step", "version", "flow"})


class FlowCases:
    """Answers "step down", the flow cards' buttons, and sends the cases' notices."""

    def __init__(
        self,
        service: FlowCaseService,
        directory: Directory,
        messenger: Messenger,
        *,
        timezone: str,
    ) -> None:
        self._service = service
        self._directory = directory
        self._messenger = messenger
        self._timezone = timezone

    def card_verbs(self) -> dict[str, invokes.CardHandler]:
        return {
            VERB_FLOW_OPEN: self._open,
            VERB_FLOW_FORM: self._form,
            VERB_FLOW_STEP: self._step,
            VERB_FLOW_VIEW: self._view,
        }

    async def command(self, turn_context: TurnContext, flow_key: str = STEP_DOWN) -> None:
        """The opening form of `flow_key`, for someone who may open one."""
        person = await sender_of(turn_context, self._directory)
        flow = self._service.flow(flow_key)
        if person is None:
            await turn_context.send_activity(NOT_KNOWN)
        elif flow is None:
            await turn_context.send_activity("Step downs are not recorded through this bot here.")
        elif not self._service.may_open(flow, person):
            who = flow.role(flow.opening.who[0])
            label = who.label if who else "right people"
            what = step_title(flow.opening)
            await turn_context.send_activity(
                f"Only the {label[:1].lower()}{label[1:]} can {what[:1].lower()}{what[1:]}."
            )
        else:
            form = opening_form(flow, self._service.choices, service=self._service_of(person))
            await turn_context.send_activity(
                MessageFactory.attachment(CardFactory.adaptive_card(form))
            )

    def _service_of(self, person: StaffPerson) -> str | None:
        return self._service.member(person).service

    # -- the buttons ----------------------------------------------------------------------------

    async def _open(self, turn_context: TurnContext, data: Mapping[str, Any]) -> dict[str, Any]:
        person = await sender_of(turn_context, self._directory)
        flow = self._service.flow(str(data.get("flow") or ""))
        if person is None or flow is None:
            return invokes.card_message(NOT_KNOWN if person is None else "Not run here.")
        try:
            case = await self._service.open(flow.key, person, _answers(data))
        except Refused as refused:
            form = opening_form(
                flow, self._service.choices, service=self._service_of(person), problem=str(refused)
            )
            return invokes.card_replacement(form)
        line = f"Recorded as {case.reference}."
        return invokes.card_replacement(
            case_card(await self._case_view(case, flow, person), line=line)
        )

    async def _form(self, turn_context: TurnContext, data: Mapping[str, Any]) -> dict[str, Any]:
        found = await self._found(turn_context, data)
        if isinstance(found, dict):
            return found
        _, view, transition = found
        if transition is None:
            return invokes.card_replacement(case_card(view, problem=_NOT_OPEN))
        return invokes.card_replacement(step_form(view, transition))

    async def _step(self, turn_context: TurnContext, data: Mapping[str, Any]) -> dict[str, Any]:
        found = await self._found(turn_context, data)
        if isinstance(found, dict):
            return found
        person, view, transition = found
        verb, version = str(data.get("step") or ""), _version(data.get("version"))
        try:
            case = await self._service.take(
                view.case.id, verb, person, _answers(data), version=version
            )
        except Refused as refused:
            current = await self._service.get(view.case.id)
            if current is not None:
                view = await self._case_view(current[0], current[1], person)
            # A form the case has not moved away from comes back with the reason; a card
            # someone else's step overtook shows the case as it is now.
            fresh = current is not None and version == view.case.version
            if transition is not None and transition.form and fresh:
                return invokes.card_replacement(step_form(view, transition, problem=str(refused)))
            return invokes.card_replacement(case_card(view, problem=str(refused)))
        title = step_title(transition) if transition else verb
        after = await self._case_view(case, view.flow, person)
        return invokes.card_replacement(case_card(after, line=f"Done: {title}."))

    async def _view(self, turn_context: TurnContext, data: Mapping[str, Any]) -> dict[str, Any]:
        found = await self._found(turn_context, data)
        if isinstance(found, dict):
            return found
        return invokes.card_replacement(case_card(found[1]))

    async def _found(
        self, turn_context: TurnContext, data: Mapping[str, Any]
    ) -> tuple[StaffPerson, CaseView, Transition | None] | dict[str, Any]:
        """Who pressed, their view of the case the card names and the step it asks for (None
        when it is not theirs to take now), or the answer to give instead."""
        person = await sender_of(turn_context, self._directory)
        if person is None:
            return invokes.card_message(NOT_KNOWN)
        found = await self._service.get(str(data.get("caseId") or ""))
        if found is None:
            return invokes.card_message("This case is not known here.")
        case, flow = found
        view = await self._case_view(case, flow, person)
        verb = str(data.get("step") or "")
        return person, view, next((t for t in view.steps if t.verb == verb), None)

    async def _case_view(self, case: Case, flow: Flow, person: StaffPerson) -> CaseView:
        people = await self._directory.everyone()  # once: names and roles from one read
        staff = self._service.staff_of(people)
        me = self._service.member(person)
        return CaseView(
            flow=flow,
            case=case,
            steps=available(flow, case, me, staff),
            tasks=tasks(flow, case, self._service.calendar),
            names={p.id: p.name for p in people},
            staff=staff,
            choices=self._service.choices,
            timezone=self._timezone,
        )

    async def fire_due(self) -> int:
        """The tick: fire the flows' timers due now (their notices go to the outbox)."""
        return await self._service.fire_due()

    # -- the notices ----------------------------------------------------------------------------

    async def deliver(self, message: OutboxMessage) -> None:
        """Send one case notice: a line saying why, over the person's own view of the case."""
        assert message.case_id is not None
        found = await self._service.get(message.case_id)
        if found is None:
            log.info("outbox.moot", extra={"case_id": message.case_id})
            return
        case, flow = found
        person = await self._directory.by_id(message.recipient)
        if person is None:
            raise NoRoute("person")
        view = await self._case_view(case, flow, person)
        line = _notice_line(message, view)
        if not await self._messenger.send_private(person, case_card(view, line=line)):
            raise NotDelivered


_NOT_OPEN = "That step is not open to you now."


def _answers(data: Mapping[str, Any]) -> dict[str, object]:
    """The form's inputs as the card sent them, without the card's own keys."""
    return {k: v for k, v in data.items() if k not in _CARD_KEYS}


def _version(value: object) -> int | None:
    try:
        return int(str(value))
    except ValueError:
        return None


def _notice_line(message: OutboxMessage, view: CaseView) -> str:
    """Why this person is told, in one line; names and labels only, never family data."""
    flow, case = view.flow, view.case
    state = flow.state(case.state)
    stage = state.label if state else case.state
    owner_ids = owners(flow, case, view.staff)
    owner = ", ".join(view.names.get(i, "someone") for i in owner_ids) or "nobody"
    kind = message.kind.removeprefix(FLOW_NOTICE_PREFIX)
    if kind == "owner":
        return f"{case.reference} is yours now: {stage}."
    if kind == "released":
        if state is not None and state.terminal:
            return f"{case.reference} has ended: {stage}."
        return f"{case.reference} is no longer yours: it is with {owner}."
    if kind == "reminder":
        return f"Reminder: {case.reference} is waiting for you: {stage}."
    if kind == "escalation":
        return f'{case.reference} has waited too long at "{stage}". Its owner is {owner}.'
    event = _event_of(message.key, case)
    if event is None:
        return f"{case.reference} has moved on: {stage}."
    transition = next((t for t in flow.all_transitions if t.verb == event.verb), None)
    who = view.names.get(event.actor_id or "", "Someone")
    what = step_title(transition) if transition else event.verb
    return f"{who}: {what}. Now: {stage}."


def _event_of(key: str, case: Case) -> Event | None:
    """The event a step's notice key ("v3") names: its version is the event's seq."""
    if not key.startswith("v") or not key[1:].isdigit():
        return None
    seq = int(key[1:])
    return next((e for e in case.events if e.seq == seq), None)
