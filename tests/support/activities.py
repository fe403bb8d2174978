"""Teams-shaped activities for the demo tenant (shapes from shared/teams/payloads)."""

from __future__ import annotations

import itertools
from dataclasses import dataclass
from typing import Any

TENANT = "6f1c2b7e-0d4a-4c1e-9a57-3b2f8e0d9c11"
BOT = {"id": "28:5a0e9f3c-7d21-4b8e-a6f4-1c9d2e3b4a50", "name": "Step Up Bot"}
TEAM = {
    "id": "19:demo-general@thread.tacv2",
    "name": "Northdown Early Help",
    "aadGroupId": "7d3e4f50-2222-4b3c-9d4e-000000000100",
}
STEPUP_CHANNEL = "19:demo-stepup@thread.tacv2"
OTHER_CHANNEL = "19:demo-other@thread.tacv2"

_ids = itertools.count(1_763_900_000_000)


@dataclass(frozen=True)
class User:
    """A demo user as Teams identifies them."""

    teams_id: str
    name: str
    aad_id: str

    def account(self) -> dict[str, str]:
        """The `from` block Teams sends for this user."""
        return {"id": self.teams_id, "name": self.name, "aadObjectId": self.aad_id}


PRIYA = User("29:demo-requester", "Priya Shah", "0b6c1d2e-1111-4a2b-8c3d-000000000001")
TOM = User("29:demo-duty-tm", "Tom Okafor", "0b6c1d2e-1111-4a2b-8c3d-000000000002")
EWA = User("29:demo-tm2", "Ewa Nowak", "0b6c1d2e-1111-4a2b-8c3d-000000000003")
SAM = User("29:demo-ap", "Sam Reid", "0b6c1d2e-1111-4a2b-8c3d-000000000004")
GRACE = User("29:demo-sm-cspa", "Grace Mensah", "0b6c1d2e-1111-4a2b-8c3d-000000000005")
DANIEL = User("29:demo-sm-eh", "Daniel Hughes", "0b6c1d2e-1111-4a2b-8c3d-000000000006")
STRANGER = User("29:demo-stranger", "Alex Stranger", "0b6c1d2e-1111-4a2b-8c3d-0000000000ff")


def _channel_data(channel: str = STEPUP_CHANNEL, tenant: str = TENANT) -> dict[str, Any]:
    return {
        "teamsChannelId": channel,
        "teamsTeamId": TEAM["id"],
        "channel": {"id": channel},
        "team": {"id": TEAM["id"]},
        "tenant": {"id": tenant},
    }


def _base(service_url: str, kind: str, activity_id: str | None = None) -> dict[str, Any]:
    return {
        "type": kind,
        "id": activity_id or str(next(_ids)),
        "timestamp": "2026-11-23T09:13:20.123Z",
        "serviceUrl": service_url,
        "channelId": "msteams",
        "recipient": dict(BOT),
        "locale": "en-GB",
    }


def channel_post(
    service_url: str,
    user: User,
    text: str,
    *,
    channel: str = STEPUP_CHANNEL,
    tenant: str = TENANT,
) -> dict[str, Any]:
    """A new top-level post in a channel (delivered through RSC, no @mention)."""
    activity = _base(service_url, "message")
    activity.update(
        {
            "from": user.account(),
            "conversation": {
                "isGroup": True,
                "conversationType": "channel",
                "tenantId": tenant,
                "id": f"{channel};messageid={activity['id']}",
            },
            "textFormat": "plain",
            "text": text,
            "attachments": [{"contentType": "text/html", "content": f"<p>{text}</p>"}],
            "channelData": _channel_data(channel, tenant),
        }
    )
    return activity


def thread_reply(service_url: str, user: User, root_id: str, text: str) -> dict[str, Any]:
    """A reply inside a channel thread; conversation.id keeps the ROOT message id."""
    activity = channel_post(service_url, user, text)
    activity["conversation"]["id"] = f"{STEPUP_CHANNEL};messageid={root_id}"
    return activity


def personal_message(service_url: str, user: User, text: str) -> dict[str, Any]:
    """A message in the user's 1:1 chat with the bot."""
    activity = _base(service_url, "message")
    activity.update(
        {
            "from": user.account(),
            "conversation": {
                "conversationType": "personal",
                "tenantId": TENANT,
                "id": f"a:personal-{user.teams_id[3:]}",
            },
            "textFormat": "plain",
            "text": text,
            "channelData": {"tenant": {"id": TENANT}},
        }
    )
    return activity


def bot_added_to_team(service_url: str, installer: User = PRIYA) -> dict[str, Any]:
    """conversationUpdate: the bot was added to the demo team (carries aadGroupId)."""
    activity = _base(service_url, "conversationUpdate", f"f:{next(_ids)}")
    activity.update(
        {
            "from": {"id": installer.teams_id, "aadObjectId": installer.aad_id},
            "conversation": {
                "isGroup": True,
                "conversationType": "channel",
                "tenantId": TENANT,
                "id": TEAM["id"],
            },
            "membersAdded": [{"id": BOT["id"]}],
            "channelData": {
                "team": dict(TEAM),
                "eventType": "teamMemberAdded",
                "tenant": {"id": TENANT},
                "settings": {"selectedChannel": {"id": STEPUP_CHANNEL}},
            },
        }
    )
    return activity


def installation_added(service_url: str, installer: User = PRIYA) -> dict[str, Any]:
    """installationUpdate action=add, sent alongside the conversationUpdate."""
    activity = bot_added_to_team(service_url, installer)
    activity["type"] = "installationUpdate"
    activity["action"] = "add"
    del activity["membersAdded"]
    activity["channelData"]["channel"] = {"id": STEPUP_CHANNEL}
    return activity


def card_action(
    service_url: str,
    user: User,
    verb: str,
    data: dict[str, Any],
    *,
    root_id: str,
    card_activity_id: str,
) -> dict[str, Any]:
    """invoke adaptiveCard/action: an Action.Execute pressed on a bot card in the channel."""
    activity = _base(service_url, "invoke", f"f:{next(_ids)}")
    activity.update(
        {
            "name": "adaptiveCard/action",
            "from": user.account(),
            "conversation": {
                "isGroup": True,
                "conversationType": "channel",
                "tenantId": TENANT,
                "id": f"{STEPUP_CHANNEL};messageid={root_id}",
            },
            "replyToId": card_activity_id,
            "channelData": {**_channel_data(), "source": {"name": "message"}},
            "value": {
                "action": {"type": "Action.Execute", "id": "", "verb": verb, "data": data},
                "trigger": "manual",
            },
        }
    )
    return activity


def task_fetch(
    service_url: str, user: User, data: dict[str, Any], *, root_id: str
) -> dict[str, Any]:
    """invoke task/fetch: a button that opens a Teams dialog."""
    activity = card_action(service_url, user, "", {}, root_id=root_id, card_activity_id=root_id)
    activity["name"] = "task/fetch"
    activity["value"] = {
        "type": "task/fetch",
        "data": {"msteams": {"type": "task/fetch"}, **data},
        "context": {"theme": "default"},
    }
    return activity


def task_submit(
    service_url: str, user: User, data: dict[str, Any], *, root_id: str
) -> dict[str, Any]:
    """invoke task/submit: the dialog's submit button."""
    activity = task_fetch(service_url, user, {}, root_id=root_id)
    activity["name"] = "task/submit"
    activity["value"] = {"type": "task/submit", "data": data, "context": {"theme": "default"}}
    return activity


def personal_card_action(
    service_url: str, user: User, verb: str, data: dict[str, Any]
) -> dict[str, Any]:
    """invoke adaptiveCard/action pressed on a card in the user's 1:1 chat with the bot."""
    activity = card_action(service_url, user, verb, data, root_id="x", card_activity_id="form")
    activity["conversation"] = {
        "conversationType": "personal",
        "tenantId": TENANT,
        "id": f"a:personal-{user.teams_id[3:]}",
    }
    activity["channelData"] = {"tenant": {"id": TENANT}}
    return activity


def file_consent(
    service_url: str,
    user: User,
    conversation_id: str,
    action: str,
    context: dict[str, Any],
    upload_info: dict[str, Any] | None = None,
) -> dict[str, Any]:
    """invoke fileConsent/invoke: the person's answer to a file consent card in their 1:1 chat,
    carrying the card's accept (or decline) context and, on accept, Teams' upload info."""
    activity = personal_card_action(service_url, user, "", {})
    activity["conversation"]["id"] = conversation_id
    activity["name"] = "fileConsent/invoke"
    activity["value"] = {"type": "fileUpload", "action": action, "context": context}
    if upload_info is not None:
        activity["value"]["uploadInfo"] = upload_info
    return activity
