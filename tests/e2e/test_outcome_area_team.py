"""The area team of a 'threshold met' decision: chosen from the council's list, on the outcome
form and on the review form alike; anything else is refused and nothing is stored.

The area team is shown on the channel card and stored in clear, so free text there (a child's
name typed into a crafted card) would be a leak.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

import pytest

from domain.consultation import Outcome, Status
from tests.reliability.flows import CARD, MESSAGE, Flow, running_flow
from tests.support import activities as act
from tests.support.fake_connector import FakeConnector

NORTH = "North Area Assessment Team"  # one of the demo profile's area teams
TYPED = "Jayden Smith's family, NG7 2QX"  # fictional; what must never get through


@pytest.fixture
async def flow(database_url: str, connector: FakeConnector) -> AsyncIterator[Flow]:
    async with running_flow(database_url, connector) as running:
        yield running


def _inputs(card: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {e["id"]: e for e in card["body"] if "id" in e}


async def _form(flow: Flow, request: Any, user: act.User, form: str) -> dict[str, Any]:
    reply = await flow.press(request, user, "open_form", form=form)
    assert reply.body["type"] == CARD, reply.body
    return dict(reply.body["value"])


async def test_a_review_overturning_to_met_names_the_area_team_from_the_form(flow: Flow) -> None:
    request = await flow.acknowledged()
    await flow.ok(request, act.TOM, "record_outcome", outcome="threshold_not_met")
    await flow.ok(request, act.PRIYA, "dispute")
    form = _inputs(await _form(flow, request, act.EWA, "review"))
    assert [c["value"] for c in form["areaTeam"]["choices"]] == [
        NORTH,
        "South Area Assessment Team",
    ]
    assert "contactCreated" in form
    await flow.ok(
        request,
        act.EWA,
        "review",
        upheld="false",
        outcome="threshold_met",
        areaTeam=NORTH,
        contactCreated="true",
    )
    consultation = await flow.consultation(request.id)
    assert (consultation.status, consultation.outcome) == (Status.REVIEWED, Outcome.THRESHOLD_MET)
    assert (consultation.area_team, consultation.contact_created) == (NORTH, True)


@pytest.mark.parametrize("verb", ["record_outcome", "review"])
async def test_an_area_team_not_on_the_list_is_refused_and_nothing_is_stored(
    flow: Flow, verb: str
) -> None:
    request = await flow.acknowledged()
    user = act.TOM
    if verb == "review":
        await flow.ok(request, act.TOM, "record_outcome", outcome="threshold_not_met")
        await flow.ok(request, act.PRIYA, "dispute")
        user = act.EWA
    before = await flow.consultation(request.id)
    updates = len(flow.bot.connector.of("update"))
    data = {"outcome": "threshold_met", "areaTeam": TYPED}
    if verb == "review":
        data["upheld"] = "false"
    reply = await flow.press(request, user, verb, **data)
    assert reply.body["type"] == CARD  # the form again, with the reason on it
    assert "Choose the area team from the list." in str(reply.body["value"])
    assert "Jayden" not in str(reply.body["value"])
    after = await flow.consultation(request.id)
    assert after.version == before.version and after.area_team is None
    assert len(flow.bot.connector.of("update")) == updates  # the channel card is untouched


async def test_an_area_team_on_a_request_that_does_not_exist_gets_a_message(flow: Flow) -> None:
    request = await flow.acknowledged()
    press = flow.card_press(request, act.TOM, "record_outcome", areaTeam=TYPED)
    press["value"]["action"]["data"]["consultationId"] = "0" * 32
    reply = await flow.bot.send(press)
    assert reply.status == 200 and reply.body["type"] == MESSAGE
