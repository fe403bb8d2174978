"""Another tenant's events are never stored or used (issue 18 item 5).

The bot's app id can be installed by anyone who has the package, so Teams may deliver another
tenant's install and messages. Before, another tenant's install was stored, and as the latest
installation its service URL then carried our requester's private 1:1 chat (the EHM form).
An activity without a tenant id is not ours either.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

import pytest
from sqlalchemy import func, select

from storage.tables import conversation_refs, installations
from tests.e2e.test_private_details import _acknowledged_request, _in_chat
from tests.e2e.test_request_flow import TUESDAY_10AM, _texts
from tests.support import activities as act
from tests.support.fake_connector import FakeConnector
from tests.support.harness import BotUnderTest, installed_bot

OTHER_TENANT = "0f0f0f0f-9999-4999-8999-0000000000aa"
OTHER_TEAM = "19:another-council@thread.tacv2"


def _as_other_tenant(activity: dict[str, Any], tenant: str | None) -> dict[str, Any]:
    """The same event from another council's team (or with no tenant at all)."""
    activity["serviceUrl"] = activity["serviceUrl"].rstrip("/") + "/other-tenant/"
    conversation, channel_data = activity["conversation"], activity["channelData"]
    conversation["id"] = conversation["id"].replace(act.TEAM["id"], OTHER_TEAM)
    channel_data["team"] = {**channel_data.get("team", {}), "id": OTHER_TEAM, "name": "Elsewhere"}
    if tenant is None:
        conversation.pop("tenantId", None)
        channel_data.pop("tenant", None)
    else:
        conversation["tenantId"] = tenant
        channel_data["tenant"] = {"id": tenant}
    return activity


@pytest.fixture
async def bot(database_url: str, connector: FakeConnector) -> AsyncIterator[BotUnderTest]:
    async with installed_bot(database_url, connector, TUESDAY_10AM) as running:
        yield running


async def _rows(bot: BotUnderTest, table: Any) -> int:
    engine = bot.runtime.engine
    assert engine is not None
    async with engine.connect() as conn:
        return int((await conn.execute(select(func.count()).select_from(table))).scalar_one())


@pytest.mark.parametrize("tenant", [OTHER_TENANT, None], ids=["other-tenant", "no-tenant"])
async def test_another_tenants_install_is_not_stored_and_never_routes_our_chats(
    bot: BotUnderTest, tenant: str | None
) -> None:
    url = bot.connector.service_url
    installs, references = await _rows(bot, installations), await _rows(bot, conversation_refs)
    for event in (act.installation_added(url), act.bot_added_to_team(url)):
        reply = await bot.send(_as_other_tenant(event, tenant))
        assert reply.status < 400
    other_post = _as_other_tenant(act.channel_post(url, act.PRIYA, "Step up please"), tenant)
    assert (await bot.send(other_post)).status < 400
    assert await _rows(bot, installations) == installs
    assert await _rows(bot, conversation_refs) == references
    assert bot.connector.calls == []  # no welcome, no card: nothing is sent to them

    # Our own requester's private form still goes through our installation.
    await _acknowledged_request(bot)
    forms = [c for c in _in_chat(bot, act.PRIYA) if "Case details for" in _texts(c.cards[0])]
    assert len(forms) == 1
