"""Telemetry: request ids on responses and log lines; metrics that carry codes, never text."""

from __future__ import annotations

import io
import json
import logging
from collections.abc import Iterator
from typing import Any

import pytest
from opentelemetry.sdk.metrics import MeterProvider
from opentelemetry.sdk.metrics.export import InMemoryMetricReader

from observability import metrics
from observability.logs import JsonFormatter
from services.clock import MovableClock
from tests.e2e.test_request_flow import TUESDAY_10AM
from tests.support import activities as act
from tests.support.fake_connector import FakeConnector
from tests.support.harness import BotUnderTest, local_settings


@pytest.fixture
def reader() -> Iterator[InMemoryMetricReader]:
    memory = InMemoryMetricReader()
    provider = MeterProvider(metric_readers=[memory])
    metrics.install(provider)
    yield memory
    metrics.install(MeterProvider())
    provider.shutdown()


def _points(reader: InMemoryMetricReader) -> dict[str, list[Any]]:
    data = reader.get_metrics_data()
    found: dict[str, list[Any]] = {}
    for resource in data.resource_metrics if data else []:
        for scope in resource.scope_metrics:
            for metric in scope.metrics:
                found[metric.name] = list(metric.data.data_points)
    return found


async def test_requests_actions_and_screen_hits_are_counted_by_code(
    database_url: str, connector: FakeConnector, reader: InMemoryMetricReader
) -> None:
    bot = BotUnderTest(
        local_settings(database_url),
        connector,
        clock=MovableClock(TUESDAY_10AM),  # Tom's week, after today
    )
    await bot.start()
    try:
        url = connector.service_url
        await bot.send(act.installation_added(url))
        post = act.channel_post(url, act.PRIYA, "Step up please for Kayden Smith, DOB 03/04/2016")
        await bot.send(post)
        card = next(c for c in connector.posted() if c.cards)
        consultation_id = card.cards[0]["actions"][0]["data"]["consultationId"]
        await bot.send(
            act.card_action(
                url,
                act.TOM,
                "acknowledge",
                {"consultationId": consultation_id},
                root_id=post["id"],
                card_activity_id=card.returned_id or "",
            )
        )
    finally:
        await bot.stop()
    points = _points(reader)
    [opened] = points["stepup.requests.opened"]
    assert opened.value == 1 and dict(opened.attributes) == {"source": "post"}
    [acknowledged] = points["stepup.requests.transitions"]
    assert dict(acknowledged.attributes) == {"verb": "acknowledge"}
    assert {dict(p.attributes)["type"] for p in points["stepup.screen.hits"]} == {
        "name",
        "date_of_birth",
    }
    assert points["stepup.requests.time_to_acknowledge"][0].count == 1
    assert "Kayden" not in json.dumps([str(p) for values in points.values() for p in values])


async def test_every_response_and_log_line_carries_a_request_id(bot: BotUnderTest) -> None:
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    handler.setFormatter(JsonFormatter())  # formats at emit time, as in production
    logger = logging.getLogger("bot")
    logger.addHandler(handler)
    logger.setLevel(logging.INFO)
    assert bot.session is not None
    async with bot.session.get(bot.url("/healthz"), headers={"X-Request-Id": "abc-123"}) as r:
        assert r.headers["X-Request-Id"] == "abc-123"
    async with bot.session.get(bot.url("/healthz"), headers={"X-Request-Id": "<bad id>"}) as r:
        assert len(r.headers["X-Request-Id"]) == 32  # replaced, not echoed
    try:
        async with bot.session.post(
            bot.url("/api/messages"),
            data='{"type": "message"}',
            headers={"Content-Type": "application/json", "X-Request-Id": "req-42"},
        ) as r:
            assert r.status == 400
    finally:
        logger.removeHandler(handler)
        logger.setLevel(logging.NOTSET)
    lines = [json.loads(line) for line in stream.getvalue().splitlines()]
    rejected = [line for line in lines if line["event"] == "activity.rejected"]
    assert [line["request_id"] for line in rejected] == ["req-42"]
