"""A Mermaid stateDiagram-v2 of one flow, drawn from its definition (docs/process.md shows them).

Edges are the transitions that change the state and the timers that move a case; verbs that
keep the state are left out (as in domain/LIFECYCLE.md) unless `loops` asks for them. Each
state shows its label and owner; a note beside it lists the timers that run there.
"""

from __future__ import annotations

import re

from domain.calendar import Duration
from domain.process.model import Fire, Flow, Portion, Timer

__all__ = ["mermaid"]

_UNSAFE = re.compile(r"[:;#{}\[\]<>\"]")


def mermaid(flow: Flow, *, loops: bool = False, timers: bool = True) -> str:
    """The flow as Mermaid text, starting "stateDiagram-v2"; the same flow gives the same text."""
    lines = ["stateDiagram-v2"]
    for state in flow.states:
        owner = f" - owner {state.owner}" if state.owner else ""
        lines.append(f"    {state.key} : {_text(state.label)}{owner}")
    lines.append(f"    [*] --> {flow.initial} : {flow.opening.verb}")
    for t in flow.transitions:
        for source in t.sources:
            if t.target is not None:
                lines.append(f"    {source} --> {t.target} : {t.verb}")
            elif loops:
                lines.append(f"    {source} --> {source} : {t.verb}")
    for timer in flow.timers:
        for fire in timer.fires:
            if fire.kind == "move" and fire.state is not None:
                for source in timer.while_in:
                    lines.append(f"    {source} --> {fire.state} : after {_after(timer)}")
    for state in flow.states:
        if state.terminal:
            lines.append(f"    {state.key} --> [*]")
    if timers:
        for state in flow.states:
            running = [t for t in flow.timers if state.key in t.while_in]
            if running:
                lines.append(f"    note right of {state.key}")
                lines.extend(f"        {_text(_describe(t))}" for t in running)
                lines.append("    end note")
    return "\n".join(lines) + "\n"


def _after(timer: Timer) -> str:
    after = timer.after
    if isinstance(after, Portion):
        return f"{after.percent} percent of {after.of}"
    return _duration(after)


def _duration(d: Duration) -> str:
    unit = d.unit.replace("_", " ")
    if d.unit == "end_of_working_day":
        return "end of working day" if d.amount == 1 else f"end of working day {d.amount}"
    opening = " from next opening" if d.from_next_opening else ""
    return f"{d.amount} {unit}{opening}"


def _fire(fire: Fire) -> str:
    if fire.kind == "escalate":
        return f"escalate to {fire.role}"
    if fire.kind == "move":
        return f"move to {fire.state}"
    return "remind owner"


def _describe(timer: Timer) -> str:
    narrowed = f" if {timer.only_if.replace('_', ' ')}" if timer.only_if else ""
    fires = ", ".join(_fire(f) for f in timer.fires)
    return f"{timer.key} - after {_after(timer)}{narrowed} - {fires}"


def _text(value: str) -> str:
    """Mermaid reads ':', ';', '#', brackets and quotes as syntax: keep labels plain."""
    return _UNSAFE.sub(" ", value).strip() if value.strip() else value
