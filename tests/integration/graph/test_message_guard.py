"""Hiding a post: the policyViolation PATCH on the wire, replies, and each failure's answer."""

from __future__ import annotations

from graph.client import GraphConnection, connect
from graph.message_guard import GENERAL_TEXT, PolicyViolationHider
from tests.integration.graph.conftest import settings_for
from tests.support import activities as act
from tests.support import fake_graph as fg

GROUP = act.TEAM["aadGroupId"]
GUIDANCE = "https://intranet.northdown.gov.uk/information-governance/teams"


def _hider(connection: GraphConnection) -> PolicyViolationHider:
    return PolicyViolationHider(connection, GUIDANCE)


async def _hide(hider: PolicyViolationHider, root: str | None = None) -> str:
    return await hider.hide(
        team_id=GROUP,
        channel_id=act.STEPUP_CHANNEL,
        message_id="1763900000123",
        root_id=root,
        kinds=["Name", "Date of birth"],
    )


async def test_a_post_is_hidden_with_a_policy_tip_and_no_override(
    fake: fg.FakeGraph, connection: GraphConnection
) -> None:
    assert await _hide(_hider(connection)) == "hidden"

    [patch] = fake.patches()
    assert patch.path == f"/teams/{GROUP}/channels/{act.STEPUP_CHANNEL}/messages/1763900000123"
    assert patch.authorization == f"Bearer {fg.TOKEN}"
    assert patch.body == {
        "policyViolation": {
            "dlpAction": "blockAccess",
            "verdictDetails": "none",
            "policyTip": {
                "complianceUrl": GUIDANCE,
                "generalText": GENERAL_TEXT,
                "matchedConditionDescriptions": ["Name", "Date of birth"],
            },
        }
    }


async def test_a_reply_is_hidden_under_its_root(
    fake: fg.FakeGraph, connection: GraphConnection
) -> None:
    assert await _hide(_hider(connection), root="1763900000001") == "hidden"
    [patch] = fake.patches()
    messages = f"/teams/{GROUP}/channels/{act.STEPUP_CHANNEL}/messages"
    assert patch.path == f"{messages}/1763900000001/replies/1763900000123"


async def test_a_missing_permission_is_reported_as_forbidden(
    fake: fg.FakeGraph, connection: GraphConnection
) -> None:
    fake.fail("PATCH", "/messages/", 403)
    assert await _hide(_hider(connection)) == "forbidden"


async def test_throttling_is_retried_then_the_post_is_hidden(
    fake: fg.FakeGraph, connection: GraphConnection
) -> None:
    fake.fail("PATCH", "/messages/", 429, retry_after=1)
    assert await _hide(_hider(connection)) == "hidden"
    assert len(fake.patches()) == 2
    assert fake.patches()[0].body == fake.patches()[1].body


async def test_server_errors_and_slowness_are_reason_codes(
    fake: fg.FakeGraph, credential: fg.FakeCredential
) -> None:
    graph = connect(settings_for(fake, timeout_seconds=0.5, max_retries=0), credential)
    try:
        fake.fail("PATCH", "/messages/", 500)
        assert await _hide(_hider(graph)) == "http_500"
        fake.fail("PATCH", "/messages/", 200, delay=2.0)
        assert await _hide(_hider(graph)) == "timeout"
    finally:
        await graph.close()
