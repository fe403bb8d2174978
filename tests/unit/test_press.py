"""The press helper fills a card as a person would and sends what its own button sends."""

from __future__ import annotations

from typing import Any

import pytest

from tests.support import activities as act
from tests.support.press import CardForm, Place, Submission, activity_for

URL = "http://127.0.0.1:1/emea/t/"


def _card() -> dict[str, Any]:
    return {
        "type": "AdaptiveCard",
        "version": "1.5",
        "body": [
            {
                "type": "Input.ChoiceSet",
                "id": "service",
                "label": "Your service",
                "isRequired": True,
                "value": "fc-northgate",
                "choices": [
                    {"title": "Family Centre Northgate", "value": "fc-northgate"},
                    {"title": "Family Centre Riverside", "value": "fc-riverside"},
                ],
            },
            {
                "type": "Container",
                "items": [
                    {
                        "type": "Input.ChoiceSet",
                        "id": "colours",
                        "label": "Colours",
                        "isMultiSelect": True,
                        "choices": [
                            {"title": "Red", "value": "0"},
                            {"title": "Blue", "value": "1"},
                        ],
                    },
                    {
                        "type": "Input.Toggle",
                        "id": "sure",
                        "title": "I am sure",
                        "valueOn": "yes",
                        "valueOff": "no",
                    },
                    {"type": "Input.Text", "id": "note", "label": "Note", "isRequired": True},
                ],
            },
        ],
        "actions": [
            {"type": "Action.Execute", "title": "Save", "verb": "save", "data": {"id": "c1"}},
            {
                "type": "Action.Execute",
                "title": "Cancel",
                "verb": "cancel",
                "data": {"id": "c1"},
                "associatedInputs": "none",
            },
            {
                "type": "Action.Submit",
                "title": "Open",
                "data": {"msteams": {"type": "task/fetch"}, "dialog": "d"},
            },
        ],
    }


def test_choices_by_title_toggles_by_title_text_by_label_merged_with_the_action_data() -> None:
    form = CardForm(_card())
    form.choose("Your service", "Family Centre Riverside").choose("Colours", "Red", "Blue")
    form.toggle("I am sure").fill("Note", "hello")
    assert form.submission("Save") == Submission(
        "execute",
        "save",
        {"id": "c1", "service": "fc-riverside", "colours": "0,1", "sure": "yes", "note": "hello"},
    )


def test_defaults_are_sent_as_shown_and_a_button_without_inputs_sends_only_its_data() -> None:
    form = CardForm(_card()).fill("note", "x")  # by id too
    assert form.submission("Save").data == {
        "id": "c1",
        "service": "fc-northgate",
        "sure": "no",
        "note": "x",
    }
    assert CardForm(_card()).submission("Cancel").data == {"id": "c1"}


def test_a_preselected_value_that_is_not_a_choice_shows_nothing_selected() -> None:
    card = _card()
    card["body"][0]["value"] = "Family Centre Northgate"  # a title, not a value
    with pytest.raises(AssertionError, match="'Your service' is required"):
        CardForm(card).fill("Note", "x").submission("Save")


def test_a_title_the_card_does_not_offer_fails_and_lists_what_it_offers() -> None:
    with pytest.raises(AssertionError) as failure:
        CardForm(_card()).choose("Your service", "fc-riverside")
    assert "['Family Centre Northgate', 'Family Centre Riverside']" in str(failure.value)


def test_required_inputs_must_be_filled_and_unknown_names_fail() -> None:
    with pytest.raises(AssertionError, match="'Note' is required"):
        CardForm(_card()).submission("Save")
    with pytest.raises(AssertionError, match="no input called"):
        CardForm(_card()).fill("Phone", "1")
    with pytest.raises(AssertionError, match="no button 'Send'"):
        CardForm(_card()).submission("Send")
    with pytest.raises(AssertionError, match="takes one choice"):
        CardForm(_card()).choose(
            "Your service", "Family Centre Northgate", "Family Centre Riverside"
        )


def test_each_kind_of_button_becomes_the_activity_teams_sends() -> None:
    form = CardForm(_card()).fill("Note", "x")
    channel = activity_for(URL, act.TOM, form.submission("Save"), Place.channel("r1", "a1"))
    assert channel["name"] == "adaptiveCard/action"
    assert channel["value"]["action"]["data"]["note"] == "x"
    assert channel["conversation"]["id"].endswith(";messageid=r1")
    assert channel["replyToId"] == "a1"
    personal = activity_for(URL, act.TOM, form.submission("Save"), Place.personal("p1"))
    assert personal["conversation"]["conversationType"] == "personal"
    fetch = activity_for(URL, act.TOM, form.submission("Open"), Place.channel("r1"))
    assert fetch["name"] == "task/fetch"
    assert fetch["value"]["data"]["dialog"] == "d"
    submit = Submission("task_submit", "", {"a": "1"})
    dialog = activity_for(URL, act.TOM, submit, Place.dialog("r1"))
    assert dialog["name"] == "task/submit" and dialog["value"]["data"] == {"a": "1"}
    message = activity_for(URL, act.TOM, Submission("submit", "", {"a": "1"}), Place.personal())
    assert message["type"] == "message" and message["value"] == {"a": "1"}
