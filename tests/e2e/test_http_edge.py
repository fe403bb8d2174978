"""The HTTP edge: health, readiness, and a clear 4xx for every malformed request."""

from __future__ import annotations

import json

import pytest

from tests.support import activities as act
from tests.support.harness import BotUnderTest


async def test_healthz_answers_while_the_process_is_up(bot: BotUnderTest) -> None:
    reply = await bot.raw("GET", "/healthz")
    assert (reply.status, reply.body) == (200, {"status": "ok"})


async def test_readyz_reports_database_migrations_and_scheduler(bot: BotUnderTest) -> None:
    reply = await bot.raw("GET", "/readyz")
    assert reply.status == 200
    assert reply.body["checks"] == {"database": "ok", "migrations": "ok", "scheduler": "ok"}


async def test_readyz_is_not_ready_when_the_scheduler_has_stopped(bot: BotUnderTest) -> None:
    assert bot.runtime.ticker is not None
    bot.runtime.ticker.shutdown()
    reply = await bot.raw("GET", "/readyz")
    assert reply.status == 503
    assert reply.body["checks"]["scheduler"] == "not running"


def _valid(service_url: str) -> dict[str, object]:
    return act.personal_message(service_url, act.PRIYA, "help")


BAD_BODIES = [
    pytest.param(None, "{}", "Content-Type", id="missing-content-type"),
    pytest.param("application/json", "{bad", "not valid JSON", id="broken-json"),
    pytest.param("text/plain", "{}", "Content-Type", id="wrong-content-type"),
    pytest.param("application/json", "[1, 2]", "JSON object", id="array-body"),
    pytest.param("application/json", '"text"', "JSON object", id="string-body"),
    pytest.param("application/json", "{}", "no type", id="empty-object"),
    pytest.param("application/json", '{"type": 7}', "no type", id="type-not-a-string"),
    pytest.param("application/json", '{"type": "message"}', "serviceUrl", id="no-service-url"),
]


@pytest.mark.parametrize(("content_type", "body", "reason"), BAD_BODIES)
async def test_a_malformed_request_gets_400_with_a_reason(
    bot: BotUnderTest, content_type: str | None, body: str, reason: str
) -> None:
    headers = {"Content-Type": content_type} if content_type else {}
    reply = await bot.raw("POST", "/api/messages", body, headers)
    assert reply.status == 400
    assert reason in reply.body["error"]
    assert (await bot.raw("GET", "/healthz")).status == 200


@pytest.mark.parametrize(
    "mutate",
    [
        pytest.param(lambda a: a.pop("conversation"), id="no-conversation"),
        pytest.param(lambda a: a["conversation"].update(id=""), id="empty-conversation-id"),
        pytest.param(lambda a: a.pop("from"), id="message-without-sender"),
        pytest.param(lambda a: a.update(serviceUrl="ftp://x"), id="service-url-not-http"),
        pytest.param(lambda a: a["conversation"].update(id="x" * 5000), id="huge-id"),
        pytest.param(lambda a: a.update(timestamp="not a date"), id="bad-timestamp"),
    ],
)
async def test_an_activity_missing_what_a_turn_needs_gets_400(
    bot: BotUnderTest, mutate: object
) -> None:
    activity = _valid(bot.connector.service_url)
    mutate(activity)  # type: ignore[operator]
    reply = await bot.send(activity)
    assert reply.status == 400, reply.body
    assert bot.connector.calls == []


async def test_a_body_over_the_size_limit_is_refused_with_413(bot: BotUnderTest) -> None:
    activity = _valid(bot.connector.service_url)
    activity["text"] = "x" * (300 * 1024)
    reply = await bot.send(activity)
    assert reply.status == 413
    assert (await bot.raw("GET", "/healthz")).status == 200


async def test_an_unknown_card_verb_gets_200_with_a_message_body(bot: BotUnderTest) -> None:
    activity = act.card_action(
        bot.connector.service_url,
        act.TOM,
        "noSuchVerb",
        {"requestId": "x"},
        root_id="1763900000000",
        card_activity_id="1763900000000",
    )
    reply = await bot.send(activity)
    assert reply.status == 200
    assert reply.body["type"] == "application/vnd.microsoft.activity.message"
    assert "no longer supported" in reply.body["value"]


@pytest.mark.parametrize(
    "value",
    [
        pytest.param("a string", id="value-not-object"),
        pytest.param({"action": {"type": "Action.Submit", "verb": "x"}}, id="not-execute"),
        pytest.param({"action": {"type": "Action.Execute"}}, id="no-verb"),
        pytest.param({"action": {"type": "Action.Execute", "verb": "x", "data": 3}}, id="data-3"),
    ],
)
async def test_a_malformed_card_action_gets_400_not_500(bot: BotUnderTest, value: object) -> None:
    activity = act.card_action(
        bot.connector.service_url, act.TOM, "x", {}, root_id="1", card_activity_id="1"
    )
    activity["value"] = value
    reply = await bot.send(activity)
    assert reply.status == 400
    assert reply.body["error"]


async def test_task_fetch_and_submit_answer_200_with_a_task_body(bot: BotUnderTest) -> None:
    url = bot.connector.service_url
    fetch = await bot.send(act.task_fetch(url, act.PRIYA, {"dialog": "unknown"}, root_id="1"))
    submit = await bot.send(act.task_submit(url, act.PRIYA, {"dialog": "unknown"}, root_id="1"))
    for reply in (fetch, submit):
        assert reply.status == 200
        assert reply.body["task"]["type"] == "message"


async def test_an_invoke_the_bot_does_not_offer_gets_the_protocols_501(bot: BotUnderTest) -> None:
    # Bot Framework's own answer for "this bot has no such feature"; Teams handles it.
    activity = act.task_fetch(bot.connector.service_url, act.PRIYA, {}, root_id="1")
    activity["name"] = "composeExtension/query"
    activity["value"] = json.loads('{"commandId": "x"}')
    reply = await bot.send(activity)
    assert reply.status == 501
    assert (await bot.raw("GET", "/healthz")).status == 200
