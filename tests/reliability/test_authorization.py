"""Who may press what: every card verb against every role, over real HTTP.

The table below is written from the process (domain/LIFECYCLE.md, dialogs/DETAILS.md, the
safeguarding rules), not read from the code: a role that the table refuses must get a message,
and nothing may change: not the consultation's version or events, not a card, not a stored
detail. Refused looks at the private details are audited; so are refused attempts to give them.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Awaitable, Callable, Set
from dataclasses import dataclass, field
from typing import Any

import pytest
import pytest_asyncio

from tests.reliability.flows import (
    CARD,
    MESSAGE,
    VALID_DETAILS,
    Flow,
    Request,
    running_flow,
)
from tests.support import activities as act
from tests.support.databases import DATABASES, fresh_database
from tests.support.fake_connector import FakeConnector

ROLES: dict[str, act.User] = {
    "requester (Priya)": act.PRIYA,
    "duty MAP team manager (Tom)": act.TOM,
    "other MAP team manager (Ewa)": act.EWA,
    "advanced practitioner (Sam)": act.SAM,
    "service manager (Grace)": act.GRACE,
    "service manager (Daniel)": act.DANIEL,
    "not in the directory": act.STRANGER,
}
PRIYA, TOM, EWA, SAM, GRACE, DANIEL, _ = ROLES
MAP_WORKERS = frozenset({TOM, EWA, SAM})
MAP_MANAGERS = frozenset({TOM, EWA})

State = Callable[[Flow], Awaitable[Request]]


async def _details_at_level_two(flow: Flow) -> Request:
    request = await flow.acknowledged()
    await flow.with_details(request)
    await flow.ok(request, act.TOM, "record_outcome", outcome="threshold_not_met")
    await flow.ok(request, act.PRIYA, "dispute")
    await flow.ok(request, act.EWA, "review", upheld="true")
    await flow.ok(request, act.PRIYA, "dispute")
    return request


@dataclass(frozen=True)
class Rule:
    """One row of the table: pressing `verb` on a request in `state`."""

    name: str
    verb: str
    state: State
    allowed: Set[str]
    data: dict[str, Any] = field(default_factory=dict)
    in_chat: bool = False  # pressed on a card in the person's 1:1 chat, not the thread card
    changes: bool = True  # an allowed press changes the consultation (version + 1 or more)
    answer: str = CARD  # what an allowed press answers
    audited: str | None = None  # access_audit action written for refusals (and looks)


RULES = [
    Rule(
        "acknowledge: any MAP worker",
        "acknowledge",
        Flow.assigned,
        MAP_WORKERS,
    ),
    Rule("record the call-back: the assignee", "record_callback", Flow.acknowledged, {TOM}),
    Rule(
        "record the outcome: the assignee",
        "record_outcome",
        Flow.called_back,
        {TOM},
        {"outcome": "threshold_not_met"},
    ),
    Rule(
        "reassign: MAP team managers",
        "reassign",
        Flow.acknowledged,
        MAP_MANAGERS,
        {"assigneeId": act.SAM.aad_id},
    ),
    Rule("dispute: the requester", "dispute", Flow.decided, {PRIYA}),
    Rule(
        "review (level 1): the assigned MAP team manager",
        "review",
        Flow.under_first_review,
        {EWA},
        {"upheld": "true"},
    ),
    Rule(
        "review (level 2): a service manager who took no part",
        "review",
        Flow.disputed_again,
        {GRACE, DANIEL},
        {"upheld": "true"},
    ),
    Rule(
        "withdraw (confirmed): the requester",
        "withdraw",
        Flow.assigned,
        {PRIYA},
        {"confirmed": "yes"},  # what the confirmation card's "Yes, withdraw" sends
    ),
    Rule(
        "withdraw (unconfirmed): only the requester is asked to confirm",
        "withdraw",
        Flow.assigned,
        {PRIYA},
        changes=False,
    ),
    Rule("close while a dispute is possible: the requester", "close", Flow.decided, {PRIYA}),
    Rule(
        "complete the checklist: the requester",
        "complete_checklist",
        Flow.assigned,
        {PRIYA},
        {"indicators": "0", "supervision": "true", "evidence": "true", "rationale": "true"},
        in_chat=True,
    ),
    Rule(
        "view the private details: requester and MAP team",
        "view_details",
        Flow.with_details,
        {PRIYA} | MAP_WORKERS,
        changes=False,
        answer=MESSAGE,
        audited="details.view",
    ),
    Rule(
        "view the private details at level 2: service managers too",
        "view_details",
        _details_at_level_two,
        {PRIYA, GRACE, DANIEL} | MAP_WORKERS,
        changes=False,
        answer=MESSAGE,
        audited="details.view",
    ),
    Rule(
        "give the private details: the requester",
        "provide_details",
        Flow.acknowledged,
        {PRIYA},
        dict(VALID_DETAILS),
        in_chat=True,
        audited="details.give",
    ),
    Rule(
        "cancel the details form: the requester",
        "cancel_details",
        Flow.acknowledged,
        {PRIYA},
        in_chat=True,
        changes=False,
    ),
    Rule(
        "open the outcome form: the assignee",
        "open_form",
        Flow.called_back,
        {TOM},
        {"form": "record_outcome"},
        changes=False,
    ),
    Rule(
        "open the reassign form: MAP team managers",
        "open_form",
        Flow.acknowledged,
        MAP_MANAGERS,
        {"form": "reassign"},
        changes=False,
    ),
    Rule(
        "open the review form: the level 1 reviewer",
        "open_form",
        Flow.under_first_review,
        {EWA},
        {"form": "review"},
        changes=False,
    ),
    Rule(
        "open the checklist form: the requester",
        "open_form",
        Flow.assigned,
        {PRIYA},
        {"form": "complete_checklist"},
        changes=False,
    ),
]

VERBS = {
    "acknowledge",
    "record_callback",
    "record_outcome",
    "reassign",
    "dispute",
    "review",
    "withdraw",
    "close",
    "complete_checklist",
    "view_details",
    "provide_details",
    "cancel_details",
    "open_form",
}


def test_the_table_covers_every_card_verb() -> None:
    assert {rule.verb for rule in RULES} == VERBS
    for rule in RULES:
        assert rule.allowed <= set(ROLES), rule.name


@pytest_asyncio.fixture(scope="module", loop_scope="module", params=DATABASES)
async def flow(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> AsyncIterator[Flow]:
    """One bot per database kind for the whole table: every row works on requests of its own."""
    async with fresh_database(request.param, tmp_path_factory.mktemp("authz")) as url:
        connector = FakeConnector()
        await connector.start()
        try:
            async with running_flow(url, connector, pacing=False) as running:
                yield running
        finally:
            await connector.close()


@pytest.mark.asyncio(loop_scope="module")
@pytest.mark.parametrize("rule", RULES, ids=[rule.name for rule in RULES])
async def test_only_the_allowed_roles_can(flow: Flow, rule: Rule) -> None:
    problems: list[str] = []
    request: Request | None = None
    for role, user in ROLES.items():
        # A press that changed nothing (every refusal, every look) leaves the request to the next.
        request = request or await rule.state(flow)
        allowed = role in rule.allowed
        if await _press_and_check(flow, rule, role, user, request, allowed, problems):
            request = None
    assert not problems, "\n".join([rule.name, *problems])


async def _press_and_check(
    flow: Flow,
    rule: Rule,
    role: str,
    user: act.User,
    request: Request,
    allowed: bool,
    problems: list[str],
) -> bool:
    """Press once; note every way the outcome differs from the table. True if it changed."""
    connector = flow.bot.connector
    before = await flow.consultation(request.id)
    version, events = before.version, len(before.events)
    calls, audit, sealed = (
        len(connector.calls),
        await flow.audit(request.id),
        await flow.sealed_rows(),
    )
    press = flow.chat_press if rule.in_chat else flow.card_press
    reply = await flow.bot.send(press(request, user, rule.verb, **rule.data))
    after = await flow.consultation(request.id)
    changed = after.version != version or len(after.events) != events
    new_audit = (await flow.audit(request.id))[len(audit) :]
    kind = reply.body.get("type") if isinstance(reply.body, dict) else None

    def problem(text: str) -> None:
        problems.append(f"  {role}: {text}")

    if reply.status != 200:
        problem(f"HTTP {reply.status}")
    if allowed:
        if kind != rule.answer:
            problem(f"allowed, but answered {kind}: {reply.body!r:.200}")
        if rule.changes and after.version <= version:
            problem("allowed, but the request did not change")
        if not rule.changes and changed:
            problem("the request changed, but this press changes nothing")
        if rule.verb == "view_details" and new_audit != [(user.aad_id, "details.view", True)]:
            problem(f"a look at the details was not audited as allowed: {new_audit}")
        if rule.verb == "provide_details" and await flow.sealed_rows() != sealed + 1:
            problem("the details were not stored")
        return changed
    if kind != MESSAGE:
        problem(f"refused expected, answered {kind}: {reply.body!r:.200}")
    if changed:
        problem(f"refused expected, but the request changed (version {version}->{after.version})")
    if connector.calls[calls:]:
        problem(f"refused expected, but the bot sent {[c.op for c in connector.calls[calls:]]}")
    if await flow.sealed_rows() != sealed:
        problem("refused expected, but details were stored")
    if rule.audited and (user.aad_id, rule.audited, False) not in new_audit:
        problem(f"the refused attempt was not audited ({rule.audited}): {new_audit}")
    return changed


@pytest.mark.asyncio(loop_scope="module")
async def test_only_the_requester_opens_the_details_dialog_and_refusals_are_audited(
    flow: Flow,
) -> None:
    """The Teams dialog (task/fetch) behind 'Provide details privately' on the thread card."""
    request = await flow.acknowledged()
    data = {"dialog": "case_details", "consultationId": request.id}
    problems = []
    for role, user in ROLES.items():
        audit = await flow.audit(request.id)
        reply = await flow.bot.send(
            act.task_fetch(flow.url, user, data, root_id=request.post["id"])
        )
        opened = reply.status == 200 and reply.body["task"]["type"] == "continue"
        new_audit = (await flow.audit(request.id))[len(audit) :]
        if opened != (role == PRIYA):
            problems.append(f"  {role}: {'opened' if opened else 'refused'}: {reply.body!r:.200}")
        if role != PRIYA and (user.aad_id, "details.open", False) not in new_audit:
            problems.append(f"  {role}: the refused opening was not audited: {new_audit}")
    assert not problems, "\n".join(problems)
