"""Hide a channel post that contains family personal data: a DLP `policyViolation` via Graph.

`PATCH /teams/{group-id}/channels/{channel-id}/messages/{id}` (replies: `.../messages/{root}/
replies/{id}`) with only `policyViolation`; needs ChannelMessage.UpdatePolicyViolation.All.
The team id is the Entra group GUID stored at install, never the `19:` thread id.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence

from msgraph.generated.models.chat_message import ChatMessage
from msgraph.generated.models.chat_message_policy_violation import ChatMessagePolicyViolation
from msgraph.generated.models.chat_message_policy_violation_dlp_action_types import (
    ChatMessagePolicyViolationDlpActionTypes,
)
from msgraph.generated.models.chat_message_policy_violation_policy_tip import (
    ChatMessagePolicyViolationPolicyTip,
)
from msgraph.generated.models.chat_message_policy_violation_verdict_details_types import (
    ChatMessagePolicyViolationVerdictDetailsTypes,
)

from graph.client import GraphConnection, GraphError

log = logging.getLogger(__name__)

HIDDEN = "hidden"
FORBIDDEN = "forbidden"
GENERAL_TEXT = (
    "Hidden by the Step Up bot: this post contained a family's personal details, and the "
    "channel is read by every service. Post the request without them; the bot asks for case "
    "details privately."
)


def policy_violation(kinds: Sequence[str], compliance_url: str) -> ChatMessage:
    """The PATCH body: block access, no override, a tip saying why with the guidance link."""
    return ChatMessage(
        policy_violation=ChatMessagePolicyViolation(
            dlp_action=ChatMessagePolicyViolationDlpActionTypes.BlockAccess,
            verdict_details=ChatMessagePolicyViolationVerdictDetailsTypes.None_,
            policy_tip=ChatMessagePolicyViolationPolicyTip(
                general_text=GENERAL_TEXT,
                compliance_url=compliance_url,
                matched_condition_descriptions=list(kinds),
            ),
        )
    )


class PolicyViolationHider:
    """The `MessageGuard` port over Graph."""

    def __init__(self, graph: GraphConnection, compliance_url: str) -> None:
        self._graph = graph
        self._compliance_url = compliance_url

    async def hide(
        self,
        *,
        team_id: str,
        channel_id: str,
        message_id: str,
        root_id: str | None,
        kinds: Sequence[str],
    ) -> str:
        """Hide the post (a reply when `root_id` is set): "hidden", "forbidden" or a code."""
        messages = (
            self._graph.client.teams.by_team_id(team_id).channels.by_channel_id(channel_id).messages
        )
        body = policy_violation(kinds, self._compliance_url)
        if root_id and root_id != message_id:
            reply = messages.by_chat_message_id(root_id).replies.by_chat_message_id1(message_id)
            patch = reply.patch(body)
        else:
            patch = messages.by_chat_message_id(message_id).patch(body)
        try:
            await self._graph.call(patch)
        except GraphError as failed:
            return FORBIDDEN if failed.status == 403 else failed.code
        return HIDDEN
