"""The Mermaid diagram of a flow is drawn from its definition, edge for edge."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from domain.process.diagram import mermaid
from domain.process.model import Flow, Process
from profiles.loader import load_profile
from profiles.process_loader import PROCESSES, load_flows

ROOT = Path(__file__).resolve().parents[3]
EDGE = re.compile(r"^    (\[\*\]|\w+) --> (\[\*\]|\w+)(?: : (.+))?$", re.MULTILINE)
DESCRIPTION = re.compile(r"^    (\w+) : (.+)$", re.MULTILINE)


@pytest.fixture(scope="module")
def process() -> Process:
    return load_flows(
        sorted(PROCESSES.glob("*.yaml")), load_profile(ROOT / "profiles" / "demo.yaml")
    )


@pytest.fixture(params=["step_up", "step_down"])
def flow(request: pytest.FixtureRequest, process: Process) -> Flow:
    found = process.flow(request.param)
    assert found is not None
    return found


def test_the_diagram_is_a_state_diagram_of_every_state(flow: Flow) -> None:
    text = mermaid(flow)
    assert text.startswith("stateDiagram-v2\n")
    described = dict(DESCRIPTION.findall(text))
    assert set(described) == {s.key for s in flow.states}
    for state in flow.states:
        assert described[state.key].startswith(state.label)
        assert (f"owner {state.owner}" in described[state.key]) == (state.owner is not None)


def test_every_state_changing_verb_and_timer_move_is_an_edge_and_nothing_else(flow: Flow) -> None:
    drawn = {(a, b, label.split(" ")[0]) for a, b, label in EDGE.findall(mermaid(flow)) if label}
    expected = {("[*]", flow.initial, flow.opening.verb)}
    expected |= {
        (source, t.target, t.verb)
        for t in flow.transitions
        if t.target is not None
        for source in t.sources
    }
    expected |= {
        (source, f.state, "after")
        for timer in flow.timers
        for f in timer.fires
        if f.kind == "move" and f.state is not None
        for source in timer.while_in
    }
    assert drawn == expected


def test_terminal_states_end_the_diagram(flow: Flow) -> None:
    ends = {a for a, b, _ in EDGE.findall(mermaid(flow)) if b == "[*]"}
    assert ends == {s.key for s in flow.states if s.terminal}


def test_loops_are_drawn_only_when_asked(process: Process) -> None:
    step_up = process.flow("step_up")
    assert step_up is not None
    assert "acknowledged --> acknowledged : reassign" not in mermaid(step_up)
    assert "    acknowledged --> acknowledged : reassign\n" in mermaid(step_up, loops=True)


def test_each_state_notes_the_timers_that_run_there(process: Process) -> None:
    step_up = process.flow("step_up")
    assert step_up is not None
    text = mermaid(step_up)
    note = text.split("note right of acknowledged\n", 1)[1].split("    end note", 1)[0]
    assert "callback_reminder - after 75 percent of callback_overdue - remind owner" in note
    assert "callback_overdue - after 24 clock hours from next opening" in note
    assert "note right of closed" not in text
    assert mermaid(step_up, timers=False).count("note right of") == 0


def test_labels_never_carry_mermaid_syntax(process: Process) -> None:
    for flow in process.flows:
        lines = mermaid(flow).splitlines()[1:]
        labels = [line.split(" : ", 1)[1] for line in lines if " : " in line]
        labels += [line for line in lines if line.startswith(" " * 8)]  # note lines
        assert labels
        for label in labels:
            assert not re.search(r"[:;#{}<>\"\[\]]", label), label


def test_the_docs_show_the_diagrams_as_generated(process: Process) -> None:
    doc = (ROOT / "docs" / "process.md").read_text(encoding="utf-8")
    blocks = re.findall(r"```mermaid\n(.*?)```", doc, re.DOTALL)
    for flow in process.flows:
        assert mermaid(flow) in blocks, f"docs/process.md: regenerate the {flow.key} diagram"
