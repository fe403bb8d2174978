"""Turn a Teams activity into the few facts the rest of the bot needs."""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum
from typing import Any

from botbuilder.schema import Activity


class Where(StrEnum):
    """Where a message was posted."""

    CHANNEL_POST = "channel_post"
    THREAD_REPLY = "thread_reply"
    PERSONAL = "personal"
    GROUP_CHAT = "group_chat"
    UNKNOWN = "unknown"


@dataclass(frozen=True, slots=True)
class Inbound:
    """An inbound activity reduced to ids (the text stays on the activity, never copied)."""

    where: Where
    tenant_id: str | None
    team_thread_id: str | None
    aad_group_id: str | None
    channel_id: str | None
    conversation_id: str
    root_message_id: str | None
    message_id: str | None
    sender_teams_id: str | None
    sender_aad_id: str | None
    service_url: str


def describe(activity: Activity) -> Inbound:
    """Read the Teams ids off an activity; unknown shapes come back as Where.UNKNOWN."""
    conversation = activity.conversation
    channel_data = _dict(activity.channel_data)
    team, channel = _dict(channel_data.get("team")), _dict(channel_data.get("channel"))
    tenant = _dict(channel_data.get("tenant"))
    conversation_id = conversation.id if conversation and conversation.id else ""
    base_id, _, root = conversation_id.partition(";messageid=")
    kind = (conversation.conversation_type if conversation else None) or ""
    channel_id = _str(channel.get("id")) or _str(channel_data.get("teamsChannelId"))
    if kind == "channel":
        channel_id = channel_id or base_id
        where = Where.CHANNEL_POST if _is_thread_root(activity, root) else Where.THREAD_REPLY
    elif kind == "personal":
        where = Where.PERSONAL
    elif kind == "groupChat":
        where = Where.GROUP_CHAT
    else:
        where = Where.UNKNOWN
    sender = activity.from_property
    return Inbound(
        where=where,
        tenant_id=_str(tenant.get("id")) or (conversation.tenant_id if conversation else None),
        team_thread_id=_str(team.get("id")) or _str(channel_data.get("teamsTeamId")),
        aad_group_id=_str(team.get("aadGroupId")),
        channel_id=channel_id,
        conversation_id=conversation_id,
        root_message_id=root or None,
        message_id=activity.id,
        sender_teams_id=sender.id if sender else None,
        sender_aad_id=sender.aad_object_id if sender else None,
        service_url=activity.service_url or "",
    )


def _is_thread_root(activity: Activity, root: str) -> bool:
    """Whether a channel message starts its thread (Teams: the thread id is its own id)."""
    if not root or root == activity.id:
        return True
    if (activity.id or "").isdigit():
        return False
    # The Agents Playground gives messages GUID ids and names a thread after the millisecond
    # timestamp of its first post; Teams' own ids are numeric and never reach this line.
    timestamp = activity.timestamp
    if not root.isdigit() or timestamp is None:
        return False
    return abs(int(root) - int(timestamp.timestamp() * 1000)) < 2000


def _dict(value: object) -> dict[str, Any]:
    return value if isinstance(value, dict) else {}


def _str(value: object) -> str | None:
    return value if isinstance(value, str) and value else None
