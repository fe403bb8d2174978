"""Why we own /api/messages: botbuilder 4.17.1's CloudAdapter.process answers 500 to invokes.

If this test starts failing, botbuilder changed: re-read bot/http.py and decide whether the
workaround is still needed.
"""

from __future__ import annotations

import json

from aiohttp import web
from aiohttp.test_utils import TestClient, TestServer
from botbuilder.core import TurnContext
from botbuilder.core.teams import TeamsActivityHandler
from botbuilder.integration.aiohttp import CloudAdapter, ConfigurationBotFrameworkAuthentication
from botbuilder.schema import AdaptiveCardInvokeResponse, AdaptiveCardInvokeValue

from tests.support import activities as act
from tests.support.fake_connector import FakeConnector


class _Config:
    APP_ID = ""
    APP_PASSWORD = ""
    APP_TYPE = "MultiTenant"


class _CardBot(TeamsActivityHandler):
    async def on_adaptive_card_invoke(
        self, turn_context: TurnContext, invoke_value: AdaptiveCardInvokeValue
    ) -> AdaptiveCardInvokeResponse:
        return AdaptiveCardInvokeResponse(
            status_code=200, type="application/vnd.microsoft.activity.message", value="done"
        )


async def test_cloud_adapter_process_answers_500_to_an_invoke_with_a_body(
    connector: FakeConnector,
) -> None:
    adapter = CloudAdapter(ConfigurationBotFrameworkAuthentication(_Config()))
    bot = _CardBot()

    async def handler(request: web.Request) -> web.StreamResponse:
        try:
            response = await adapter.process(request, bot)
        except Exception:  # the bug: AttributeError while re-serialising the dict body
            return web.Response(status=500)
        return response or web.Response(status=201)

    app = web.Application()
    app.router.add_post("/api/messages", handler)
    activity = act.card_action(
        connector.service_url, act.TOM, "acknowledge", {}, root_id="1", card_activity_id="1"
    )
    async with TestClient(TestServer(app)) as client:
        response = await client.post(
            "/api/messages",
            data=json.dumps(activity),
            headers={"Content-Type": "application/json"},
        )
        assert response.status == 500
