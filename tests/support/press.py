"""Press what a person sees: fill a card the bot sent, by its visible words, and press a button.

A test that builds a card's `data` by hand proves nothing about the card: the values it sends
may be ones the card never offers. This helper reads the Adaptive Card the bot actually sent
(a ConnectorCall's attachment, or the card an invoke answered with), finds inputs by their label
or title, picks choices by their visible title, refuses to submit a form whose required inputs
are empty, and sends exactly what the card's own button would, the way Teams does:

- Action.Execute  -> invoke adaptiveCard/action, `value.action.data` = the action's data merged
  with the inputs' values;
- Action.Submit with `data.msteams.type == "task/fetch"` -> invoke task/fetch;
- Action.Submit on a dialog's card -> invoke task/submit;
- Action.Submit on a message -> a message activity whose `value` is the merged data.

The renderer's rules it follows (Adaptive Cards 1.5, as Teams renders them): an input that is
not set is left out of the data; a toggle always sends its valueOn or valueOff; a multi-select
choice set sends its values joined by commas; a preselected value that is not one of the
choices shows nothing selected; an input's value wins over an action data key of the same name.
"""

from __future__ import annotations

import copy
import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any, Literal

from tests.support import activities as act
from tests.support.fake_connector import ConnectorCall
from tests.support.harness import BotUnderTest, Reply

CARD_TYPE = "application/vnd.microsoft.card.adaptive"
_INPUT_TYPES = {
    "Input.Text",
    "Input.Number",
    "Input.Date",
    "Input.Time",
    "Input.Toggle",
    "Input.ChoiceSet",
}
_ACTION_TYPES = {"Action.Execute", "Action.Submit"}


def _walk(node: Any) -> Iterator[dict[str, Any]]:
    """Every element of a card in reading order (body, containers, columns, actions)."""
    if isinstance(node, dict):
        if "type" in node:
            yield node
        for key in ("body", "items", "columns", "actions", "inlineAction"):
            yield from _walk(node.get(key))
        card = node.get("card")  # Action.ShowCard
        if isinstance(card, dict):
            yield from _walk(card)
    elif isinstance(node, list):
        for item in node:
            yield from _walk(item)


def texts_of(card: dict[str, Any]) -> str:
    """Every word a person reads on the card, one element a line."""
    lines: list[str] = []
    for element in _walk(card):
        if element["type"] == "TextBlock":
            lines.append(str(element.get("text", "")))
        elif element["type"] == "FactSet":
            lines += [f"{f['title']}: {f['value']}" for f in element.get("facts", [])]
    return "\n".join(lines)


def card_of(source: ConnectorCall | Reply | dict[str, Any]) -> dict[str, Any]:
    """The one Adaptive Card a connector call carries or an invoke answered with."""
    if isinstance(source, ConnectorCall):
        cards = source.cards
        assert len(cards) == 1, f"expected one card on the activity, found {len(cards)}"
        return cards[0]
    if isinstance(source, Reply):
        body = source.body or {}
        if body.get("type") == CARD_TYPE:  # adaptiveCard/action
            return dict(body["value"])
        task = (body.get("task") or {}).get("value") or {}
        if isinstance(task, dict) and "card" in task:  # task/fetch or task/submit "continue"
            return dict(task["card"]["content"])
        raise AssertionError(f"the bot answered without a card: {body!r}")
    return source


@dataclass(frozen=True)
class Place:
    """Where a card is shown, which decides the activity Teams sends when it is pressed."""

    kind: Literal["channel", "personal", "dialog"]
    root_id: str = ""
    activity_id: str = ""

    @staticmethod
    def channel(root_id: str, activity_id: str | None = None) -> Place:
        """A card in a channel thread (root_id) on the message activity_id (the root itself
        when the card opened the thread)."""
        return Place("channel", root_id, activity_id or root_id)

    @staticmethod
    def personal(activity_id: str = "form") -> Place:
        """A card in the presser's 1:1 chat with the bot."""
        return Place("personal", "", activity_id)

    @staticmethod
    def dialog(root_id: str) -> Place:
        """A card inside a Teams dialog opened from the thread root_id."""
        return Place("dialog", root_id, root_id)


def place_of(call: ConnectorCall) -> Place:
    """Where the card of a recorded send/reply/update is shown."""
    conversation = call.conversation_id or ""
    message_id = call.returned_id or call.activity_id or ""
    if conversation.startswith("19:"):
        _, _, root = conversation.partition(";messageid=")
        return Place.channel(root or message_id, message_id)
    return Place.personal(message_id)


@dataclass(frozen=True)
class Submission:
    """What pressing one button sends."""

    kind: Literal["execute", "task_fetch", "task_submit", "submit"]
    verb: str
    data: dict[str, Any]


@dataclass
class CardForm:
    """A card being filled in by a person; start it with `CardForm(card)`."""

    card: dict[str, Any]
    values: dict[str, str] = field(default_factory=dict)

    def __post_init__(self) -> None:
        self.card = copy.deepcopy(self.card)
        for element in self.inputs():
            default = _default(element)
            if default is not None:
                self.values[element["id"]] = default

    # --- what the card shows -----------------------------------------------------------------

    def inputs(self) -> list[dict[str, Any]]:
        """Every input on the card."""
        return [e for e in _walk(self.card) if e["type"] in _INPUT_TYPES]

    def buttons(self) -> list[str]:
        """The titles of the card's submit buttons."""
        return [str(e.get("title", "")) for e in _walk(self.card) if e["type"] in _ACTION_TYPES]

    def offered(self, label: str) -> list[str]:
        """The visible titles of a choice set's choices."""
        return [str(c["title"]) for c in self._choice_set(label).get("choices", [])]

    def input(self, name: str) -> dict[str, Any]:
        """An input by its label, its toggle title, or its id (in that order)."""
        inputs = self.inputs()
        for key in ("label", "title", "id"):
            found = [e for e in inputs if _words(e.get(key)) == _words(name)]
            if len(found) == 1:
                return found[0]
            assert len(found) < 2, f"{len(found)} inputs are called {name!r}"
        shown = [e.get("label") or e.get("title") or e["id"] for e in inputs]
        raise AssertionError(f"no input called {name!r} on the card; it shows {shown}")

    # --- what a person does ------------------------------------------------------------------

    def choose(self, label: str, *titles: str) -> CardForm:
        """Pick choices by their visible titles (several only on a multi-select)."""
        choice_set = self._choice_set(label)
        offered = {_words(c["title"]): str(c["value"]) for c in choice_set.get("choices", [])}
        values = []
        for title in titles:
            if _words(title) not in offered:
                raise AssertionError(
                    f"{label!r} does not offer {title!r}; it offers {self.offered(label)}"
                )
            values.append(offered[_words(title)])
        if len(values) > 1 and not choice_set.get("isMultiSelect"):
            raise AssertionError(f"{label!r} takes one choice, not {list(titles)}")
        self._set(choice_set, ",".join(values))
        return self

    def toggle(self, title: str, on: bool = True) -> CardForm:
        """Tick (or untick) a toggle by its visible title."""
        toggle = self.input(title)
        assert toggle["type"] == "Input.Toggle", f"{title!r} is not a toggle"
        self._set(
            toggle, str(toggle.get("valueOn", "true") if on else toggle.get("valueOff", "false"))
        )
        return self

    def fill(self, name: str, value: str) -> CardForm:
        """Type into a text, number, date or time input (by label or id)."""
        element = self.input(name)
        assert element["type"] not in ("Input.Toggle", "Input.ChoiceSet"), (
            f"{name!r} is a {element['type']}: use toggle() or choose()"
        )
        limit = element.get("maxLength")
        if limit and len(value) > int(limit):
            value = value[: int(limit)]  # the text box stops taking characters
        self._set(element, value)
        return self

    def submission(self, button: str) -> Submission:
        """What pressing the button titled `button` sends; fails like the card would refuse."""
        action = self._action(button)
        data: dict[str, Any] = dict(action.get("data") or {})
        if action.get("associatedInputs", "auto") != "none":
            self._validate()
            data.update(self.values)
        if action["type"] == "Action.Execute":
            return Submission("execute", str(action.get("verb", "")), data)
        msteams = data.get("msteams")
        if isinstance(msteams, dict) and msteams.get("type") == "task/fetch":
            return Submission("task_fetch", "", data)
        return Submission("submit", "", data)

    # --- internals ---------------------------------------------------------------------------

    def _choice_set(self, label: str) -> dict[str, Any]:
        element = self.input(label)
        assert element["type"] == "Input.ChoiceSet", f"{label!r} is not a choice set"
        return element

    def _set(self, element: dict[str, Any], value: str) -> None:
        if value == "" and element["type"] != "Input.Toggle":
            self.values.pop(element["id"], None)
        else:
            self.values[element["id"]] = value

    def _action(self, button: str) -> dict[str, Any]:
        found = [
            e
            for e in _walk(self.card)
            if e["type"] in _ACTION_TYPES and _words(e.get("title")) == _words(button)
        ]
        assert found, f"no button {button!r} on the card; it shows {self.buttons()}"
        assert len(found) == 1, f"{len(found)} buttons are titled {button!r}"
        return found[0]

    def _validate(self) -> None:
        problems = []
        for element in self.inputs():
            name = element.get("label") or element.get("title") or element["id"]
            value = self.values.get(element["id"])
            if element.get("isRequired") and not value:
                problems.append(f"{name!r} is required")
            regex = element.get("regex")
            if value and regex and not re.fullmatch(regex, value):
                problems.append(f"{name!r} does not match {regex!r}")
        assert not problems, f"the card will not submit: {problems}"


def _words(value: object) -> str:
    return " ".join(str(value or "").split()).casefold()


def _default(element: dict[str, Any]) -> str | None:
    """The value an input starts with, as the renderer shows it."""
    if element["type"] == "Input.Toggle":
        on, off = element.get("valueOn", "true"), element.get("valueOff", "false")
        return str(on if str(element.get("value")) == str(on) else off)
    value = element.get("value")
    if value in (None, ""):
        return None
    if element["type"] == "Input.ChoiceSet":
        known = {str(c["value"]) for c in element.get("choices", [])}
        picked = [v for v in str(value).split(",") if v in known]
        if not element.get("isMultiSelect"):
            picked = picked[:1] if str(value) in known else []
        return ",".join(picked) or None
    return str(value)


def activity_for(
    service_url: str, user: act.User, submission: Submission, place: Place
) -> dict[str, Any]:
    """The activity Teams sends when `user` presses a button on a card at `place`."""
    if submission.kind == "execute":
        if place.kind == "personal":
            activity = act.personal_card_action(service_url, user, submission.verb, submission.data)
            activity["replyToId"] = place.activity_id
            return activity
        return act.card_action(
            service_url,
            user,
            submission.verb,
            submission.data,
            root_id=place.root_id,
            card_activity_id=place.activity_id,
        )
    if submission.kind == "task_fetch":
        data = {k: v for k, v in submission.data.items() if k != "msteams"}
        return act.task_fetch(service_url, user, data, root_id=place.root_id)
    if place.kind == "dialog":
        return act.task_submit(service_url, user, submission.data, root_id=place.root_id)
    if place.kind == "personal":
        activity = act.personal_message(service_url, user, "")
    else:
        activity = act.thread_reply(service_url, user, place.root_id, "")
        del activity["attachments"]
    del activity["text"]
    activity["value"] = submission.data
    activity["replyToId"] = place.activity_id
    return activity


async def press(
    bot: BotUnderTest,
    user: act.User,
    form: CardForm | dict[str, Any] | ConnectorCall,
    button: str,
    place: Place | None = None,
) -> Reply:
    """`user` presses `button` on a card (filled in, or as sent) at `place` (default: where the
    connector call put it); returns what the bot answered over HTTP."""
    if place is None:
        assert isinstance(form, ConnectorCall), "say where the card is shown (Place)"
        place = place_of(form)
    filled = form if isinstance(form, CardForm) else CardForm(card_of(form))
    submission = filled.submission(button)
    if submission.kind == "submit" and place.kind == "dialog":
        submission = Submission("task_submit", "", submission.data)
    return await bot.send(activity_for(bot.connector.service_url, user, submission, place))


async def own_view(bot: BotUnderTest, user: act.User, call: ConnectorCall) -> Reply:
    """The card `user` sees in the thread: Teams fires the card's refresh action for each user
    it lists (user-specific views), and shows what the bot answers instead of the shared card."""
    card = card_of(call)
    refresh = card.get("refresh") or {}
    assert user.teams_id in refresh.get("userIds", []), f"{user.name} gets no view of their own"
    action = refresh["action"]
    place = place_of(call)
    return await bot.send(
        act.card_action(
            bot.connector.service_url,
            user,
            action["verb"],
            action["data"],
            root_id=place.root_id,
            card_activity_id=place.activity_id,
        )
    )


FILE_CONSENT_TYPE = "application/vnd.microsoft.teams.card.file.consent"


def file_consent_of(call: ConnectorCall) -> dict[str, Any]:
    """The one file consent card (the attachment, with its name) a connector call carries."""
    found = [
        a
        for a in (call.body or {}).get("attachments") or []
        if a["contentType"] == FILE_CONSENT_TYPE
    ]
    assert len(found) == 1, f"expected one file consent card, found {len(found)}"
    return dict(found[0])


async def answer_file_consent(
    bot: BotUnderTest, user: act.User, call: ConnectorCall, accept: bool
) -> Reply:
    """`user` presses Allow (accept) or Decline on the file consent card `call` sent, and
    Teams sends what it sends: the card's own context, and on accept an upload session for
    the file's name in the user's OneDrive (the fake connector's upload URL)."""
    consent = file_consent_of(call)
    content = consent["content"]
    name = str(consent["name"])
    info = None
    if accept:
        info = {
            "contentUrl": f"https://northdown-my.sharepoint.com/personal/files/{name}",
            "name": name,
            "uploadUrl": bot.connector.upload_url(name),
            "uniqueId": "4f1b2c3d-0000-4e5f-8a9b-000000000001",
            "fileType": name.rpartition(".")[2],
        }
    context = content["acceptContext" if accept else "declineContext"]
    activity = act.file_consent(
        bot.connector.service_url,
        user,
        call.conversation_id or "",
        "accept" if accept else "decline",
        context,
        info,
    )
    activity["replyToId"] = call.returned_id
    return await bot.send(activity)
