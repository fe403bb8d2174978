"""The request card posted in the channel thread: who asked, who owns it, when, and what next.

It carries nothing about the family: no names, no case numbers, no free text from anyone.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from cards.audit_card import VERB_VIEW_AUDIT
from cards.common import (
    VERB_OPEN_FORM,
    VERB_REFRESH,
    card,
    execute,
    facts,
    local_time,
    mention,
    plain,
    text,
)
from cards.details import DIALOG_ID, VERB_DETAILS_IN_CHAT, VERB_PROVIDE_DETAILS, VERB_VIEW_DETAILS
from domain.consultation import Consultation, Outcome, Status, Urgency
from domain.events import Event, EventKind
from domain.lifecycle import Action

MAX_REFRESH_USERS = 60  # Teams' limit for user-specific views


@dataclass(frozen=True)
class PersonRef:
    """A member of staff as a card shows them."""

    id: str
    name: str
    email: str = ""
    teams_id: str | None = None

    @property
    def mention_id(self) -> str:
        """The id Teams accepts in a mention (29: id, or the Entra object id)."""
        return self.teams_id or self.id


@dataclass(frozen=True)
class RequestView:
    """Everything the card shows, resolved from ids by the caller."""

    consultation: Consultation
    people: dict[str, PersonRef]
    timezone: str
    police_note: str
    assessment_phone: str | None = None
    viewers: tuple[str, ...] = ()
    """Teams ids who get a user-specific refresh (requester and MAP workers)."""
    buttons: frozenset[str] | None = None
    """Verbs to offer this person; None means the default set for the state (everyone's card)."""
    dialogs: bool = True
    """Whether the client opens Teams dialogs; off, the details button uses the 1:1 chat."""
    acknowledge_by: datetime | None = None
    """The acknowledgement deadline that applies (an urgent request's is earlier than the
    stored end-of-day one); None shows the stored one."""

    def name(self, person_id: str | None) -> str:
        """A person's name, or a neutral placeholder."""
        if person_id is None:
            return "nobody yet"
        person = self.people.get(person_id)
        return person.name if person else "someone no longer in the directory"


STATUS_LABELS: dict[Status, str] = {
    Status.SUBMITTED: "Waiting to be assigned",
    Status.ASSIGNED: "Waiting for acknowledgement",
    Status.ACKNOWLEDGED: "Acknowledged: call-back due",
    Status.CALLED_BACK: "Called back: outcome due",
    Status.OUTCOME_RECORDED: "Outcome recorded",
    Status.DISPUTED: "Outcome disputed",
    Status.UNDER_REVIEW: "Under review",
    Status.REVIEWED: "Reviewed",
    Status.CLOSED: "Closed",
    Status.WITHDRAWN: "Withdrawn",
}

_BUTTONS: list[tuple[str, str, bool]] = [  # verb, title, opens a private form
    (Action.ACKNOWLEDGE, "Acknowledge", False),
    (Action.RECORD_CALLBACK, "Record call-back", False),
    (Action.RECORD_OUTCOME, "Record outcome", True),
    (Action.REASSIGN, "Reassign", True),
    (Action.REVIEW, "Review decision", True),
    (Action.DISPUTE, "Dispute outcome", False),
    (Action.CHANGE_SERVICE, "Change service", True),
    (Action.WITHDRAW, "Withdraw", False),
    (Action.CLOSE, "Close", False),
    (VERB_PROVIDE_DETAILS, "Provide details privately", False),
    (VERB_VIEW_DETAILS, "View details (private)", False),
    (VERB_VIEW_AUDIT, "Audit trail", False),
]


def default_buttons(consultation: Consultation) -> frozenset[str]:
    """The verbs offered to everyone in this state (roles are checked again on the click)."""
    offered = {
        Status.ASSIGNED: {Action.ACKNOWLEDGE, Action.REASSIGN, Action.WITHDRAW},
        Status.SUBMITTED: {Action.ACKNOWLEDGE, Action.WITHDRAW},
        Status.ACKNOWLEDGED: {Action.RECORD_OUTCOME, Action.REASSIGN, Action.WITHDRAW},
        Status.CALLED_BACK: {Action.RECORD_OUTCOME, Action.REASSIGN, Action.WITHDRAW},
        Status.OUTCOME_RECORDED: {Action.DISPUTE, Action.CLOSE},
        Status.DISPUTED: {Action.REVIEW},
        Status.UNDER_REVIEW: {Action.REVIEW},
        Status.REVIEWED: {Action.DISPUTE, Action.CLOSE},
    }
    verbs: set[str] = set(offered.get(consultation.status, set()))
    if consultation.is_open:
        verbs.add(VERB_VIEW_DETAILS if consultation.details_provided else VERB_PROVIDE_DETAILS)
    return frozenset(verbs)


def request_card(view: RequestView) -> dict[str, Any]:
    """The card for the thread (or, with `view.buttons`, one person's own view of it)."""
    c = view.consultation
    entities: list[dict[str, Any]] = []
    assignee = _assignee_line(view, entities)
    body: list[dict[str, Any]] = [
        text(f"Step-up request {c.reference}", weight="Bolder", size="Medium"),
        text(STATUS_LABELS[c.status], color="Accent", spacing="None"),
    ]
    if c.urgency is Urgency.URGENT:
        body.append(text(f"URGENT. {plain(view.police_note)}", color="Attention", weight="Bolder"))
    requester = view.people.get(c.requester_id)
    body.append(
        facts(
            [
                ("Requested by", _person_line(requester)),
                ("Service", plain(c.service)),
                ("Urgency", "Urgent" if c.urgency is Urgency.URGENT else "Standard"),
                ("Checklist", _checklist(c)),
                ("Details", "received ✓" if c.details_provided else "asked for privately"),
                ("Duty manager", assignee),
                (
                    "Acknowledge by",
                    local_time(view.acknowledge_by or c.acknowledge_due, view.timezone),
                ),
                ("Call back by", local_time(c.callback_due, view.timezone)),
            ]
        )
    )
    body += _outcome_blocks(view)
    body.append(_history(view))
    buttons = default_buttons(c) if view.buttons is None else view.buttons
    actions = [
        _button(verb, title, form, c.id, view.dialogs)
        for verb, title, form in _BUTTONS
        if verb in buttons
    ]
    extra: dict[str, Any] = {"msteams": {"entities": entities}} if entities else {}
    if view.viewers and c.is_open:
        extra["refresh"] = {
            "action": {
                "type": "Action.Execute",
                "verb": VERB_REFRESH,
                "data": {"consultationId": c.id},
            },
            "userIds": list(view.viewers[:MAX_REFRESH_USERS]),
        }
    return card(body, actions, **extra)


def _button(
    verb: str, title: str, form: bool, consultation_id: str, dialogs: bool = True
) -> dict[str, Any]:
    if verb == VERB_PROVIDE_DETAILS and not dialogs:
        # No dialogs (the Agents Playground): the form goes to the 1:1 chat, and the bot says so.
        return execute(title, VERB_DETAILS_IN_CHAT, {"consultationId": consultation_id})
    if verb == VERB_PROVIDE_DETAILS:
        # A Teams dialog (task module): private to whoever opens it; only the requester may.
        data = {
            "msteams": {"type": "task/fetch"},
            "dialog": DIALOG_ID,
            "consultationId": consultation_id,
        }
        return {"type": "Action.Submit", "title": title, "data": data}
    if form:
        return execute(title, VERB_OPEN_FORM, {"consultationId": consultation_id, "form": verb})
    style = "positive" if verb == Action.ACKNOWLEDGE else None
    return execute(title, verb, {"consultationId": consultation_id}, style=style)


def _person_line(person: PersonRef | None) -> str:
    if person is None:
        return "someone no longer in the directory"
    return f"{plain(person.name)} ({plain(person.email)})" if person.email else plain(person.name)


def _assignee_line(view: RequestView, entities: list[dict[str, Any]]) -> str:
    person = view.people.get(view.consultation.assignee_id or "")
    if person is None:
        return view.name(view.consultation.assignee_id)
    tag, entity = mention(person.name, person.mention_id)
    entities.append(entity)
    return tag


def _checklist(c: Consultation) -> str:
    if c.checklist is None:
        # Said plainly, so the duty manager sees a request opened from a free-text post has
        # no checklist and no indicators yet (issue 14).
        return "Checklist missing (the requester is asked privately)"
    count = len(c.indicators)
    state = "complete ✓" if c.checklist.complete else "incomplete"
    return f"{state}, {count} Level 4 indicator{'s' if count != 1 else ''}"


def _outcome_blocks(view: RequestView) -> list[dict[str, Any]]:
    c = view.consultation
    if c.outcome is None:
        return []
    if c.outcome is Outcome.THRESHOLD_MET:
        line = "Threshold met: step up to Level 4 agreed."
        detail = f"Area team: {plain(c.area_team or '–')}. Contact created: " + (
            "yes" if c.contact_created else "not yet"
        )
    else:
        line = "Threshold not met: the Level 3 service continues, with guidance on next steps."
        detail = f"Assessment team: {plain(view.assessment_phone or 'see the case notes on EHM')}"
    return [
        text(line, weight="Bolder", separator=True),
        text(detail, spacing="None"),
        text("Do not close the EHM record until the area team confirms.", isSubtle=True),
    ]


_WHAT = {
    EventKind.SUBMITTED: "posted",
    EventKind.ASSIGNED: "assigned",
    EventKind.ACKNOWLEDGED: "acknowledged",
    EventKind.CALLED_BACK: "called back",
    EventKind.OUTCOME_RECORDED: "outcome recorded",
    EventKind.DISPUTED: "disputed",
    EventKind.REVIEW_ASSIGNED: "review assigned",
    EventKind.REVIEWED: "reviewed",
    EventKind.ESCALATED: "escalated",
    EventKind.REASSIGNED: "reassigned",
    EventKind.WITHDRAWN: "withdrawn",
    EventKind.CLOSED: "closed",
    EventKind.CHECKLIST_COMPLETED: "checklist confirmed",
    EventKind.DETAILS_PROVIDED: "details provided",
}


def _history(view: RequestView, last: int = 8) -> dict[str, Any]:
    lines = [_event_line(view, e) for e in view.consultation.events if e.kind in _WHAT]
    shown = lines[-last:]
    return text(
        "\n".join(f"- {line}" for line in shown) or "-", size="Small", isSubtle=True, separator=True
    )


def _event_line(view: RequestView, event: Event) -> str:
    when = local_time(event.at, view.timezone)
    who = "the bot" if event.actor_id is None else plain(view.name(event.actor_id))
    target = (
        event.data.get("assignee_id") or event.data.get("to_id") or event.data.get("reviewer_id")
    )
    suffix = (
        f" to {plain(view.name(target))}"
        if target
        and event.kind in (EventKind.ASSIGNED, EventKind.REASSIGNED, EventKind.REVIEW_ASSIGNED)
        else ""
    )
    if event.kind is EventKind.ESCALATED and event.data.get("timer"):
        return f"{when} {_timer_words(event.data)} by {who}"
    if event.data.get("rule") == "duty_rota":
        who = "the duty rota"
    return f"{when} {_WHAT[event.kind]}{suffix} by {who}"


def _timer_words(data: Mapping[str, str]) -> str:
    """A flow timer's trail line, from the codes its event holds (domain.monitoring)."""
    if data.get("condition") == "checklist_missing":
        return "checklist reminder sent to the requester"
    fires = data.get("fires", "").split(",")
    if "move:closed" in fires:
        return "closed at the end of the dispute window"
    told = [
        f.removeprefix("escalate:").replace("_", " ") for f in fires if f.startswith("escalate:")
    ]
    if told:
        return f"escalated to {', '.join(told)}"
    return "reminder sent"
