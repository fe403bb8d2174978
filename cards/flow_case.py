"""A flow case's card and forms, drawn from its definition (issue 15).

The card shows where the case is, who owns it, its tasks and its trail, and offers as buttons
only the steps the viewer may take now (domain.process.engine.available). A step with a form
turns the card into that form (its inputs typed as the definition says), whose own button
sends the case, the step and the version the viewer saw; "Back" returns to the case. Nothing
here holds family data: the definition's forms take choices, toggles, dates, numbers, people
and area teams.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from cards.common import card, execute, facts, local_time, plain, text
from domain.process.engine import Case, Choices, Event, Staff, TaskStatus, person_options
from domain.process.model import Flow, FormField, Transition

VERB_FLOW_OPEN = "flow_open"
VERB_FLOW_FORM = "flow_form"  # show a step's form
VERB_FLOW_STEP = "flow_step"  # take a step (with its form's answers)
VERB_FLOW_VIEW = "flow_view"  # the case card again


def humanise(key: str) -> str:
    """A definition's key as words: "area_team_withdrew" -> "Area team withdrew"."""
    words = key.replace("_", " ").strip()
    return words[:1].upper() + words[1:]


def step_title(t: Transition) -> str:
    return t.label or humanise(t.verb)


@dataclass(frozen=True)
class CaseView:
    """What the card needs besides the case: names, the viewer's steps, tasks, the zone."""

    flow: Flow
    case: Case
    steps: Sequence[Transition]
    tasks: Sequence[TaskStatus]
    names: Mapping[str, str]
    staff: Staff
    choices: Choices
    timezone: str


@dataclass(frozen=True)
class _Inputs:
    flow: Flow
    case: Case | None
    choices: Choices
    staff: Staff
    names: Mapping[str, str]

    def input(self, f: FormField) -> dict[str, Any]:
        if f.type == "toggle":
            return {
                "type": "Input.Toggle",
                "id": f.key,
                "title": plain(f.label),
                "valueOn": "true",
                "valueOff": "false",
                "value": "false",
            }
        if f.type == "date":
            return self._required(f, {"type": "Input.Date", "id": f.key, "label": plain(f.label)})
        if f.type == "number":
            element: dict[str, Any] = {"type": "Input.Number", "id": f.key, "label": plain(f.label)}
            if f.minimum is not None:
                element["min"] = f.minimum
            if f.maximum is not None:
                element["max"] = f.maximum
            return self._required(f, element)
        return self._required(
            f,
            {
                "type": "Input.ChoiceSet",
                "id": f.key,
                "label": plain(f.label),
                "isMultiSelect": f.multiple,
                "style": "expanded",
                "choices": [{"title": plain(t), "value": v} for t, v in self._choices(f)],
            },
        )

    def _choices(self, f: FormField) -> list[tuple[str, str]]:
        if f.type == "person":
            case = self.case
            people = person_options(self.flow, f, case, self.staff) if case is not None else ()
            return [(self.names.get(m.id, "Someone"), m.id) for m in people]
        options = self.choices.options(f)
        listed = f.options_from is not None or f.type == "area_team"
        return [(o if listed else humanise(o), o) for o in options]

    @staticmethod
    def _required(f: FormField, element: dict[str, Any]) -> dict[str, Any]:
        if f.required:
            element["isRequired"] = True
            element["errorMessage"] = f"{f.label}: please answer this."
        return element


def _notice(problem: str | None) -> list[dict[str, Any]]:
    return [text(plain(problem), color="Attention", weight="Bolder")] if problem else []


def opening_form(
    flow: Flow,
    choices: Choices,
    *,
    service: str | None = None,
    problem: str | None = None,
) -> dict[str, Any]:
    """The form that opens a case of `flow`; the person's own service preselected."""
    inputs = _Inputs(flow, None, choices, Staff(()), {})
    body = [
        text(plain(flow.label), weight="Bolder", size="Medium"),
        *_notice(problem),
        *[inputs.input(f) for f in flow.opening.form if f.type != "text"],
    ]
    for element in body:
        if element.get("id") == "service" and service is not None:
            element["value"] = service
    submit = execute(step_title(flow.opening), VERB_FLOW_OPEN, {"flow": flow.key})
    return card(body, [submit])


def case_card(
    view: CaseView, *, problem: str | None = None, line: str | None = None
) -> dict[str, Any]:
    """The case as the viewer sees it, with the steps they may take now."""
    flow, case = view.flow, view.case
    state = flow.state(case.state)
    owner = view.names.get(case.owner_id or "", "–")
    answers = dict(case.events[0].values) if case.events else {}
    pairs = [
        ("Stage", plain(state.label if state else case.state)),
        ("Owner", plain(owner) if state is not None and not state.terminal else "–"),
    ]
    if case.service:
        pairs.append(("Service", plain(case.service)))
    if "area_team" in answers:
        pairs.append(("Area team", plain(answers["area_team"])))
    for task in view.tasks:
        done = (
            f"done {local_time(task.done_at, view.timezone)} by "
            f"{view.names.get(task.done_by or '', 'someone')}"
            if task.done_at
            else f"due {local_time(task.due, view.timezone)}"
        )
        pairs.append((plain(task.label), plain(done)))
    body = [
        text(f"{plain(flow.label)} · {case.reference}", weight="Bolder", size="Medium"),
        *([text(plain(line))] if line else []),
        *_notice(problem),
        facts(pairs),
        text("Trail", weight="Bolder", spacing="Medium"),
        *[text(plain(_trail_line(view, e)), isSubtle=True, spacing="None") for e in case.events],
    ]
    return card(body, [_step_action(t, case) for t in view.steps])


def _trail_line(view: CaseView, event: Event) -> str:
    transition = next((t for t in view.flow.all_transitions if t.verb == event.verb), None)
    what = step_title(transition) if transition else humanise(event.verb.split(":")[-1])
    who = view.names.get(event.actor_id or "", "the system") if event.actor_id else "the system"
    return f"{local_time(event.at, view.timezone)}: {what} by {who}"


def _step_action(t: Transition, case: Case) -> dict[str, Any]:
    data = {"caseId": case.id, "step": t.verb, "version": case.version}
    has_form = any(f.type != "text" for f in t.form)
    return execute(step_title(t), VERB_FLOW_FORM if has_form else VERB_FLOW_STEP, data)


def step_form(view: CaseView, t: Transition, *, problem: str | None = None) -> dict[str, Any]:
    """The form of step `t` on the case, as the viewer fills it in."""
    case = view.case
    inputs = _Inputs(view.flow, case, view.choices, view.staff, view.names)
    body = [
        text(f"{step_title(t)} · {case.reference}", weight="Bolder", size="Medium"),
        *_notice(problem),
        *[inputs.input(f) for f in t.form if f.type != "text"],
    ]
    submit = execute(
        step_title(t), VERB_FLOW_STEP, {"caseId": case.id, "step": t.verb, "version": case.version}
    )
    back = execute("Back", VERB_FLOW_VIEW, {"caseId": case.id})
    back["associatedInputs"] = "none"
    return card(body, [submit, back])
