"""Hostile input: whatever arrives at /api/messages, no 500, no crashed turn, no injected markup.

Property-based (hypothesis, bounded): activities with fields missing or of the wrong type, deep
JSON, huge strings, unicode edge cases, and markdown/HTML/mention injection in every free-text
field a card shows. One real app per test function; the examples reuse it.
"""

from __future__ import annotations

import io
import json
import logging
import os
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from app import MAX_BODY_BYTES
from tests.reliability.flows import VALID_DETAILS, Flow, Request, running_flow
from tests.reliability.rendering import call_breakouts, invoke_breakouts
from tests.support import activities as act
from tests.support.fake_connector import FakeConnector
from tests.support.harness import Reply

# STEPUP_FUZZ_EXAMPLES=1000 for a long run; the suite keeps it short.
FUZZ = settings(
    max_examples=int(os.environ.get("STEPUP_FUZZ_EXAMPLES", "50")),
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)

INJECTIONS = [
    "<at>Tom Okafor</at>",
    "<at>everyone</at>",
    "[click here](https://evil.example/steal)",
    "![x](https://evil.example/pixel.png)",
    "<script>alert(1)</script>",
    "<img src=x onerror=alert(1)>",
    "<iframe src=javascript:alert(1)>",
    "**bold** _it_ `code` ~~s~~",
    "\n\n# heading\n- item",
    "&lt;at&gt;Tom&lt;/at&gt;",
    "{{$root.secret}} ${consultationId}",
]
EDGE_CASES = [
    "",
    " ",
    "\x00",
    "a\x00b",
    "\ud800",  # a lone surrogate: valid in JSON, not encodable as UTF-8
    "\udfff\ud800",
    "\ufeff",
    "\u202eevil",  # right-to-left override
    "e\u0301" * 50,  # combining marks
    "🧒🏽👨‍👩‍👧",
    "\u200b\u200d",
    "null",
    "NaN",
    "0" * 40,
    "EHM 7304518",
    "Jayden Smith DOB 12/03/2019 SW1A 1AA",
]
# Family details that make the personal-data screen answer, with a redacted copy of the post in
# the author's 1:1 chat (still checked for markup below: every connector call is).
FAMILY = [
    "Jayden Smith, DOB 12/03/2019, ",
    "lives at 14 Mill Lane, SW1A 1AA. ",
    "Mum on 07700 900123. ",
]

hostile_text = st.one_of(
    st.text(max_size=80),
    st.sampled_from(INJECTIONS + EDGE_CASES),
    st.builds(
        lambda a, b, c: a + b + c,
        st.text(max_size=20),
        st.sampled_from(INJECTIONS + EDGE_CASES),
        st.text(max_size=20),
    ),
    st.integers(min_value=1_000, max_value=20_000).map(lambda n: "x" * n),
)
json_values = st.recursive(
    st.none()
    | st.booleans()
    | st.integers(min_value=-(2**70), max_value=2**70)
    | st.floats(allow_nan=False, allow_infinity=False)
    | hostile_text,
    lambda inner: (
        st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=12), inner, max_size=4)
    ),
    max_leaves=12,
)

VERBS = [
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
    "refresh",
    "submit_request",
    "set_cover",
]
OUR_INVOKES = ("adaptiveCard/action", "task/fetch", "task/submit")
USERS = [act.PRIYA, act.TOM, act.EWA, act.SAM, act.GRACE, act.DANIEL, act.STRANGER]
FORM_FIELDS = [
    "consultationId",
    "outcome",
    "areaTeam",
    "contactCreated",
    "upheld",
    "assigneeId",
    "indicators",
    "supervision",
    "evidence",
    "rationale",
    "form",
    "dialog",
    "service",
    "urgent",
    "covering",
    "covered",
    "firstDay",
    "lastDay",
    *VALID_DETAILS,
]


@pytest.fixture
async def flow(database_url: str, connector: FakeConnector) -> AsyncIterator[Flow]:
    async with running_flow(database_url, connector, pacing=False) as running:
        yield running


def _offers_no_such_invoke(activity: Any) -> bool:
    if not isinstance(activity, dict) or activity.get("type") != "invoke":
        return False
    name = activity.get("name")
    return isinstance(name, str) and bool(name) and name not in OUR_INVOKES


@pytest.fixture
async def edge_flow(tmp_path: Path, connector: FakeConnector) -> AsyncIterator[Flow]:
    """For properties refused at the HTTP edge, before any database: SQLite is enough."""
    async with running_flow(
        f"sqlite:///{tmp_path / 'edge.db'}", connector, pacing=False
    ) as running:
        yield running


class Watch:
    """Checks one example: below 500, no crashed turn, no markup that escaped into a card."""

    def __init__(self, flow: Flow, caplog: pytest.LogCaptureFixture) -> None:
        self.flow, self.caplog = flow, caplog
        caplog.set_level(logging.INFO)
        self.records = self.calls = 0

    def start(self) -> None:
        self.records = len(self.caplog.records)
        self.calls = len(self.flow.bot.connector.calls)

    def check(self, reply: Reply, activity: Any = None) -> None:
        if _offers_no_such_invoke(activity):
            # The protocol's own "no such feature" (tests/e2e/test_http_edge.py keeps it).
            assert reply.status in (200, 400, 501), reply
        else:
            assert reply.status < 500, reply
        errors = [
            (r.name, r.getMessage(), getattr(r, "error_type", None))
            for r in self.caplog.records[self.records :]
            if r.levelno >= logging.ERROR or r.getMessage() == "turn.failed"
        ]
        assert errors == [], errors
        escaped = [
            text
            for call in self.flow.bot.connector.calls[self.calls :]
            for text in call_breakouts(call)
        ]
        escaped += invoke_breakouts(reply.body)
        assert escaped == [], escaped


async def post(flow: Flow, body: bytes, content_type: str = "application/json") -> Reply:
    """POST raw bytes to /api/messages (streamed: aiohttp warns about large in-memory bodies)."""
    session = flow.bot.session
    assert session is not None
    headers = {"Content-Type": content_type} if content_type else {}
    async with session.post(
        flow.bot.url("/api/messages"), data=io.BytesIO(body), headers=headers
    ) as response:
        raw = await response.read()
    try:
        parsed = json.loads(raw) if raw else None
    except ValueError:
        parsed = raw.decode(errors="replace")
    return Reply(response.status, parsed)


@pytest.fixture
def watch(flow: Flow, caplog: pytest.LogCaptureFixture) -> Watch:
    return Watch(flow, caplog)


@pytest.fixture
def edge_watch(edge_flow: Flow, caplog: pytest.LogCaptureFixture) -> Watch:
    return Watch(edge_flow, caplog)


def _activities(url: str) -> list[dict[str, Any]]:
    press = act.card_action(
        url, act.TOM, "acknowledge", {"consultationId": "x"}, root_id="1", card_activity_id="1"
    )
    return [
        act.personal_message(url, act.PRIYA, "help"),
        act.channel_post(url, act.PRIYA, "Step up please"),
        act.thread_reply(url, act.PRIYA, "1763900000001", "more"),
        press,
        act.task_fetch(
            url, act.PRIYA, {"dialog": "case_details", "consultationId": "x"}, root_id="1"
        ),
        act.task_submit(url, act.PRIYA, {"dialog": "case_details", **VALID_DETAILS}, root_id="1"),
        act.installation_added(url),
        act.bot_added_to_team(url),
    ]


mutation = st.tuples(
    st.sampled_from(
        [
            "type",
            "id",
            "from",
            "conversation",
            "recipient",
            "channelData",
            "value",
            "text",
            "name",
            "attachments",
            "entities",
            "timestamp",
            "locale",
            "replyToId",
            "membersAdded",
            "action",
            "channelId",
        ]
    ),
    st.one_of(
        st.none(),
        st.sampled_from(
            [
                "id",
                "tenant",
                "team",
                "channel",
                "action",
                "data",
                "aadObjectId",
                "conversationType",
                "verb",
            ]
        ),
    ),
    st.one_of(st.just("<delete>"), json_values),
)


def _mutate(activity: dict[str, Any], key: str, inner: str | None, value: Any) -> None:
    target: Any = activity
    if inner is not None and isinstance(activity.get(key), dict):
        target, key = activity[key], inner
    if value == "<delete>":
        target.pop(key, None)
    else:
        target[key] = value


@FUZZ
@given(
    kind=st.integers(min_value=0, max_value=7), mutations=st.lists(mutation, min_size=1, max_size=4)
)
# Found by this test: a null entity in a channel post crashed botbuilder's get_mentions.
@example(kind=1, mutations=[("entities", None, [None])])
async def test_a_mangled_activity_never_gets_a_500(
    flow: Flow, watch: Watch, kind: int, mutations: list[tuple[str, str | None, Any]]
) -> None:
    activity = _activities(flow.url)[kind]
    for key, inner, value in mutations:
        _mutate(activity, key, inner, value)
    watch.start()
    body = json.dumps(activity).encode()
    reply = await post(flow, body)
    watch.check(reply, activity)
    if len(body) > MAX_BODY_BYTES:
        assert reply.status == 413


@FUZZ
@given(
    body=st.one_of(
        st.binary(max_size=2_000),
        st.text(max_size=2_000).map(str.encode),
        json_values.map(lambda v: json.dumps(v).encode()),
        st.integers(min_value=1, max_value=50_000).map(lambda n: ("[" * n + "]" * n).encode()),
        st.integers(min_value=1, max_value=50_000).map(
            lambda n: ('{"a":' * n + "1" + "}" * n).encode()
        ),
    ),
    content_type=st.sampled_from(
        ["application/json", "application/json; charset=utf-8", "text/plain", ""]
    ),
)
async def test_any_body_gets_a_4xx_or_a_turn_never_a_500(
    edge_flow: Flow, edge_watch: Watch, body: bytes, content_type: str
) -> None:
    edge_watch.start()
    reply = await post(edge_flow, body, content_type)
    edge_watch.check(reply)


@FUZZ
@given(
    size=st.integers(min_value=0, max_value=1024 * 1024),
    field=st.sampled_from(["text", "from", "channelData", "value"]),
)
async def test_huge_fields_up_to_a_megabyte_get_413_beyond_the_limit(
    edge_flow: Flow, edge_watch: Watch, size: int, field: str
) -> None:
    activity = act.channel_post(edge_flow.url, act.PRIYA, "Step up please")
    big = "é" * (size // 2)  # two bytes each in UTF-8
    if field == "text":
        activity["text"] = big
    else:
        activity[field] = {"name": big, "id": activity.get(field, {}).get("id", "x")}
    body = json.dumps(activity, ensure_ascii=False).encode()
    edge_watch.start()
    reply = await post(edge_flow, body)
    edge_watch.check(reply)
    assert (reply.status == 413) == (len(body) > MAX_BODY_BYTES), (len(body), reply.status)


post_text = st.lists(
    st.sampled_from(INJECTIONS + EDGE_CASES + FAMILY) | st.text(max_size=30), max_size=5
).map("".join)


@FUZZ
@example(
    text=FAMILY[0] + "[click here](https://evil.example) <at>Tom Okafor</at>",
    user=act.PRIYA,
    where="post",
)
@example(text=FAMILY[2] + "<script>alert(1)</script> **now**", user=act.TOM, where="reply")
@given(
    text=hostile_text | post_text,
    user=st.sampled_from(USERS),
    where=st.sampled_from(["post", "reply", "personal"]),
)
async def test_free_text_posts_never_inject_markup_in_what_the_bot_sends(
    flow: Flow, watch: Watch, text: str, user: act.User, where: str
) -> None:
    if where == "post":
        activity = act.channel_post(flow.url, user, text)
    elif where == "reply":
        activity = act.thread_reply(flow.url, user, "1763900000001", text)
    else:
        activity = act.personal_message(flow.url, user, text)
    watch.start()
    reply = await flow.bot.send(activity)
    watch.check(reply)
    assert reply.status in (200, 201, 413), reply


@pytest.fixture
async def request_(flow: Flow) -> Request:
    """One acknowledged request with details given: most buttons have something to act on."""
    return await flow.with_details()


@FUZZ
@given(
    verb=st.one_of(st.sampled_from(VERBS), hostile_text),
    user=st.sampled_from(USERS),
    data=st.dictionaries(st.sampled_from(FORM_FIELDS), json_values, max_size=6),
    keep_id=st.booleans(),
    in_chat=st.booleans(),
)
async def test_card_submissions_with_hostile_values_never_crash_or_inject(
    flow: Flow,
    watch: Watch,
    request_: Request,
    verb: str,
    user: act.User,
    data: dict[str, Any],
    keep_id: bool,
    in_chat: bool,
) -> None:
    if keep_id:
        data["consultationId"] = request_.id
    press = flow.chat_press if in_chat else flow.card_press
    activity = press(request_, user, verb)
    activity["value"]["action"]["data"] = data
    watch.start()
    reply = await flow.bot.send(activity)
    watch.check(reply)
    assert reply.status in (200, 400, 413), reply


@FUZZ
@example(field="oversight", value="[click](https://evil.example) <at>Tom Okafor</at>")
@example(field="oversight", value="Supervision \x00 notes")
@example(field="phone", value="0113 496 0577\u202e")
@example(field="ehmNumber", value="EHM 7304518<script>")
@given(field=st.sampled_from(list(VALID_DETAILS)), value=hostile_text | json_values)
async def test_each_details_field_with_hostile_text_never_crashes_or_injects(
    flow: Flow, watch: Watch, request_: Request, field: str, value: Any
) -> None:
    """The other two fields valid, so a value the checks let through is stored and shown."""
    watch.start()
    press = flow.chat_press(
        request_, act.PRIYA, "provide_details", **{**VALID_DETAILS, field: value}
    )
    watch.check(await flow.bot.send(press))
    watch.check(await flow.bot.send(flow.card_press(request_, act.TOM, "view_details")))


@settings(FUZZ, max_examples=max(FUZZ.max_examples // 3, 1))  # three requests an example
@example(area="North\x00Team", overturn=False)
@example(area="[click](https://evil.example) <at>Tom Okafor</at>", overturn=False)
@example(area="<script>alert(1)</script>", overturn=True)
@given(area=hostile_text, overturn=st.booleans())
async def test_the_area_team_with_hostile_text_never_crashes_or_injects(
    flow: Flow, watch: Watch, area: str, overturn: bool
) -> None:
    """The one free-text field of an outcome, shown on the thread card when it is accepted."""
    request = await flow.acknowledged()
    watch.start()
    if overturn:  # Tom decides 'not met'; Ewa overturns it on review, naming the area team
        await flow.ok(request, act.TOM, "record_outcome", outcome="threshold_not_met")
        await flow.ok(request, act.PRIYA, "dispute")
        reply = await flow.press(
            request, act.EWA, "review", upheld="false", outcome="threshold_met", areaTeam=area
        )
    else:
        reply = await flow.press(
            request, act.TOM, "record_outcome", outcome="threshold_met", areaTeam=area
        )
    watch.check(reply)


@FUZZ
@given(
    values=st.fixed_dictionaries({}, optional={f: json_values for f in VALID_DETAILS}),
    user=st.sampled_from([act.PRIYA, act.PRIYA, act.TOM, act.STRANGER]),
    fetch_first=st.booleans(),
)
async def test_details_dialog_submissions_with_hostile_values_never_crash_or_inject(
    flow: Flow,
    watch: Watch,
    request_: Request,
    values: dict[str, Any],
    user: act.User,
    fetch_first: bool,
) -> None:
    data = {"dialog": "case_details", "consultationId": request_.id}
    watch.start()
    if fetch_first:
        opened = await flow.bot.send(
            act.task_fetch(flow.url, user, data, root_id=request_.post["id"])
        )
        watch.check(opened)
    reply = await flow.bot.send(
        act.task_submit(flow.url, user, {**data, **values}, root_id=request_.post["id"])
    )
    watch.check(reply)
    assert reply.status in (200, 413), reply


def _nested(depth: int, as_list: bool) -> str:
    """JSON text nested `depth` deep (built as text: json.dumps itself recurses)."""
    return (
        ("[" * depth + '"leaf"' + "]" * depth) if as_list else ('{"a":' * depth + "1" + "}" * depth)
    )


@FUZZ
@given(
    depth=st.integers(min_value=1, max_value=40_000),
    where=st.sampled_from(["channelData", "value", "data", "entities", "from"]),
    as_list=st.booleans(),
)
async def test_deeply_nested_json_inside_an_activity_never_gets_a_500(
    edge_flow: Flow, edge_watch: Watch, depth: int, where: str, as_list: bool
) -> None:
    activity = act.card_action(
        edge_flow.url,
        act.TOM,
        "refresh",
        {"consultationId": "0" * 32},
        root_id="1",
        card_activity_id="1",
    )
    if where == "data":
        activity["value"]["action"]["data"]["extra"] = "<deep>"
    else:
        activity[where] = "<deep>"
    body = json.dumps(activity).replace('"<deep>"', _nested(depth, as_list)).encode()
    edge_watch.start()
    reply = await post(edge_flow, body)
    edge_watch.check(reply)


ID_FIELDS = [
    ("id",),
    ("replyToId",),
    ("from", "id"),
    ("from", "aadObjectId"),
    ("from", "name"),
    ("conversation", "id"),
    ("conversation", "tenantId"),
    ("channelData", "tenant", "id"),
    ("channelData", "team", "id"),
    ("channelData", "team", "name"),
    ("channelData", "team", "aadGroupId"),
    ("channelData", "channel", "id"),
    ("channelData", "teamsChannelId"),
    ("channelData", "teamsTeamId"),
]


@FUZZ
@example(kind=3, path=("channelData", "team", "name"), length=256)  # Teams allows 256
@given(
    kind=st.integers(min_value=0, max_value=7),
    path=st.sampled_from(ID_FIELDS),
    length=st.integers(min_value=0, max_value=1100),
)
async def test_ids_and_names_of_any_length_never_crash_a_turn(
    flow: Flow, watch: Watch, kind: int, path: tuple[str, ...], length: int
) -> None:
    activity = _activities(flow.url)[kind]
    if kind == 3:
        activity = act.installation_added(flow.url)
    target = activity
    for key in path[:-1]:
        target = target.setdefault(key, {}) if isinstance(target.get(key, {}), dict) else {}
    target[path[-1]] = ("19:" + "x" * length) if path[-1] != "name" else "n" * length
    watch.start()
    reply = await post(flow, json.dumps(activity).encode())
    watch.check(reply, activity)
