"""Reading Teams ids off activities: posts, thread replies, chats, and the playground's ids."""

from __future__ import annotations

from typing import Any

from botbuilder.schema import Activity

from bot.inbound import Where, describe
from tests.support import activities as act

URL = "https://smba.example/emea/tenant/"


def _activity(payload: dict[str, Any]) -> Activity:
    return Activity().deserialize(payload)


def test_a_new_post_is_its_own_thread_root() -> None:
    inbound = describe(_activity(act.channel_post(URL, act.PRIYA, "x")))
    assert inbound.where is Where.CHANNEL_POST
    assert inbound.channel_id == act.STEPUP_CHANNEL
    assert inbound.team_thread_id == act.TEAM["id"]
    assert inbound.sender_aad_id == act.PRIYA.aad_id


def test_a_reply_keeps_the_root_message_id() -> None:
    inbound = describe(_activity(act.thread_reply(URL, act.TOM, "1763900000000", "x")))
    assert inbound.where is Where.THREAD_REPLY
    assert inbound.root_message_id == "1763900000000"


def test_a_personal_chat_and_the_install_event_are_recognised() -> None:
    assert describe(_activity(act.personal_message(URL, act.PRIYA, "x"))).where is Where.PERSONAL
    installed = describe(_activity(act.installation_added(URL)))
    assert installed.aad_group_id == act.TEAM["aadGroupId"]


def _playground(message_id_ms: int, timestamp: str) -> Activity:
    payload = act.channel_post(URL, act.PRIYA, "x")
    payload["id"] = "6c8a4d2e-0f1b-4c3a-9e5d-7b6a5c4d3e2f"
    payload["timestamp"] = timestamp
    payload["conversation"]["id"] = f"{act.STEPUP_CHANNEL};messageid={message_id_ms}"
    return _activity(payload)


def test_a_playground_post_is_named_after_its_own_timestamp() -> None:
    # 2026-11-23T09:13:20.123Z is 1795425200123 ms after the epoch.
    post = _playground(1795425200123, "2026-11-23T09:13:20.123Z")
    assert describe(post).where is Where.CHANNEL_POST


def test_a_playground_reply_points_at_an_earlier_post() -> None:
    reply = _playground(1795425200123, "2026-11-23T09:20:00.000Z")
    assert describe(reply).where is Where.THREAD_REPLY
