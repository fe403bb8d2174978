"""The service a request is filed under can be changed on the card, by whom the issue says.

A post filed under the requester's default service (or naming the wrong centre) is corrected
from the requester's own view of the card: "Change service" opens a form listing the council's
services by name; the card then shows the new one for everyone, and the trail records it.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

import pytest

from tests.e2e.test_everyday_forms import latest_card, refusal, submit_request
from tests.support import activities as act
from tests.support.dates import next_working_day_at
from tests.support.fake_connector import ConnectorCall, FakeConnector
from tests.support.harness import BotUnderTest, installed_bot
from tests.support.press import CardForm, card_of, own_view, place_of, press, texts_of


@pytest.fixture
async def running(database_url: str, connector: FakeConnector) -> AsyncIterator[BotUnderTest]:
    async with installed_bot(database_url, connector, next_working_day_at(10)) as bot:
        yield bot


def buttons_of(card: dict[str, Any]) -> list[str]:
    return [a.get("title", "") for a in card.get("actions", [])]


async def _stored_service(bot: BotUnderTest, thread: ConnectorCall) -> str:
    consultation_id = thread.cards[0]["actions"][0]["data"]["consultationId"]
    found = await bot.runtime.consultations.get(consultation_id)  # type: ignore[union-attr]
    assert found is not None
    return found[0].service


async def test_the_requester_changes_the_service_from_her_own_view_of_the_card(
    running: BotUnderTest,
) -> None:
    thread = await submit_request(running, "Family Centre Northgate")
    place = place_of(thread)
    mine = await own_view(running, act.PRIYA, thread)
    assert "Change service" in buttons_of(card_of(mine))

    opened = await press(running, act.PRIYA, card_of(mine), "Change service", place)
    form = CardForm(card_of(opened))
    assert form.offered("File it under") == [
        "Family Centre Northgate",
        "Family Centre Riverside",
        "Family Support Programme North",
        "Family Support Programme South",
    ]
    done = await press(
        running,
        act.PRIYA,
        form.choose("File it under", "Family Centre Riverside"),
        "Change service",
        place,
    )
    assert "Family Centre Riverside" in texts_of(card_of(done)), done.body
    assert await _stored_service(running, thread) == "Family Centre Riverside"
    # Everyone's card says so, not only hers.
    shared = texts_of(card_of(latest_card(running, thread)))
    assert "Family Centre Riverside" in shared and "Family Centre Northgate" not in shared

    tom_view = card_of(await own_view(running, act.TOM, thread))
    trail = await press(running, act.TOM, tom_view, "Audit trail", place)
    assert "service changed" in texts_of(card_of(trail))


async def test_only_the_requester_or_a_map_team_manager_may_and_only_before_the_outcome(
    running: BotUnderTest,
) -> None:
    thread = await submit_request(running, "Family Centre Northgate")
    place = place_of(thread)
    # A MAP advanced practitioner has no such button, and pressing a stale one is refused.
    sam_view = card_of(await own_view(running, act.SAM, thread))
    assert "Change service" not in buttons_of(sam_view)
    priya_view = card_of(await own_view(running, act.PRIYA, thread))
    refused = await press(running, act.SAM, priya_view, "Change service", place)
    assert refusal(refused) == (
        "Only the requester or a MAP team manager can change the service. That is Priya Shah."
    )
    # A MAP team manager may.
    opened = await press(
        running, act.TOM, card_of(await own_view(running, act.TOM, thread)), "Change service", place
    )
    form = CardForm(card_of(opened)).choose("File it under", "Family Support Programme South")
    await press(running, act.TOM, form, "Change service", place)
    assert await _stored_service(running, thread) == "Family Support Programme South"

    # After the outcome the service is part of the decision's record: no button, a clear no.
    await press(running, act.TOM, latest_card(running, thread), "Acknowledge", place)
    opened = await press(running, act.TOM, latest_card(running, thread), "Record outcome", place)
    outcome = CardForm(card_of(opened)).choose("Outcome", "Threshold not met: Level 3 continues")
    await press(running, act.TOM, outcome, "Record outcome", place)
    assert "Change service" not in buttons_of(card_of(await own_view(running, act.PRIYA, thread)))
    late = await press(running, act.PRIYA, priya_view, "Change service", place)
    assert refusal(late).startswith("You can't change its service now")


async def test_a_service_the_form_never_offered_is_refused_and_nothing_changes(
    running: BotUnderTest,
) -> None:
    # A crafted submit (not a person's press): the name is shown on the channel card in clear,
    # so only the council's own services may get through.
    thread = await submit_request(running, "Family Centre Northgate")
    place = place_of(thread)
    consultation_id = thread.cards[0]["actions"][0]["data"]["consultationId"]
    reply = await running.send(
        act.card_action(
            running.connector.service_url,
            act.PRIYA,
            "change_service",
            {"consultationId": consultation_id, "service": "Jayden's house"},
            root_id=place.root_id,
            card_activity_id=place.activity_id,
        )
    )
    assert "Choose the service from the list." in texts_of(card_of(reply))  # the form again
    assert await _stored_service(running, thread) == "Family Centre Northgate"
