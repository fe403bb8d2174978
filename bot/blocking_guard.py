"""Block mode of the channel guard: hide the post through Graph, then warn as in warn mode.

It extends `bot.guard.ChannelGuard` (which `BotDeps` expects), so it lives at the bot edge;
the Graph call itself is `graph.message_guard.PolicyViolationHider`, behind the MessageGuard
port. A 403 (ChannelMessage.UpdatePolicyViolation.All not granted) switches the guard to warn
mode for good and logs it once; a timeout or any other failure leaves that one post to warn
mode. Each Graph call is bounded (5 s by default).

Hidden or not, no copy of the post's text goes anywhere in the channel: the thread notice names
the kinds found, and the copy without them goes to the author's 1:1 chat (`ChannelGuard.warn`).
"""

from __future__ import annotations

import asyncio
import logging

from botbuilder.core import TurnContext

from bot.guard import ChannelGuard
from bot.inbound import Inbound, Where
from bot.messenger import Messenger
from graph.directory import GraphDirectory
from graph.message_guard import FORBIDDEN, HIDDEN, PolicyViolationHider
from privacy.model import FindingType, Screening
from privacy.screen import Screener
from profiles.schema import Profile
from services.directory import Directory, StaffPerson
from services.ports import MessageGuard
from storage.conversations import ConversationStore

log = logging.getLogger(__name__)

CONDITIONS = {
    FindingType.NAME: "Name",
    FindingType.DATE_OF_BIRTH: "Date of birth",
    FindingType.AGE: "Age",
    FindingType.ADDRESS: "Address",
    FindingType.POSTCODE: "Postcode",
    FindingType.PHONE: "Phone number",
    FindingType.EMAIL: "E-mail address",
    FindingType.NHS_NUMBER: "NHS number",
    FindingType.NI_NUMBER: "National Insurance number",
    FindingType.CASE_REFERENCE: "Case number",
    FindingType.SCHOOL: "School or nursery",
    FindingType.VEHICLE_REGISTRATION: "Vehicle registration",
    FindingType.SOCIAL_HANDLE: "Social-media handle",
}


def guard_for(
    directory: Directory,
    screener: Screener,
    messenger: Messenger,
    profile: Profile,
    installations: ConversationStore,
) -> ChannelGuard:
    """Block mode with the Graph directory; warn mode (ChannelGuard) otherwise.

    With Graph, the screen's list of staff follows the directory: each refresh rebuilds it, so
    a newly arrived member of staff is not taken for a family member.
    """
    if not isinstance(directory, GraphDirectory):
        return ChannelGuard(screener, messenger, profile)
    guard = BlockingGuard(
        screener,
        messenger,
        profile,
        hider=PolicyViolationHider(directory.graph, profile.links.data_protection),
        installations=installations,
        timeout=directory.graph.settings.timeout_seconds,
    )
    directory.on_refresh(guard.use_staff)
    return guard


class BlockingGuard(ChannelGuard):
    """`ChannelGuard` with a block step: the post is hidden before the thread is warned."""

    mode = "block"

    def __init__(
        self,
        screener: Screener,
        messenger: Messenger,
        profile: Profile,
        *,
        hider: MessageGuard,
        installations: ConversationStore,
        timeout: float = 5.0,
    ) -> None:
        super().__init__(screener, messenger, profile)
        self._hider = hider
        self._installations = installations
        self._timeout = timeout
        self._fallback_group_id = profile.team.aad_group_id

    async def warn(
        self,
        turn_context: TurnContext,
        inbound: Inbound,
        screening: Screening,
        author: StaffPerson | None,
        *,
        hidden: bool = False,
    ) -> None:
        """Hide the post (block mode), then the thread notice and the private note."""
        if self.mode == "block":
            hidden = await self._block(inbound, screening)
        await super().warn(turn_context, inbound, screening, author, hidden=hidden)

    async def _block(self, inbound: Inbound, screening: Screening) -> bool:
        """Hide the post through Graph; True only when Graph confirmed it is hidden."""
        ids = {"activity_id": inbound.message_id}
        team_id = await self._team_id(inbound)
        if team_id is None or not inbound.channel_id or not inbound.message_id:
            log.warning("guard.not_hidden", extra={**ids, "error_code": "no_team_group_id"})
            return False
        reply = inbound.where is Where.THREAD_REPLY
        try:
            async with asyncio.timeout(self._timeout):
                outcome = await self._hider.hide(
                    team_id=team_id,
                    channel_id=inbound.channel_id,
                    message_id=inbound.message_id,
                    root_id=inbound.root_message_id if reply else None,
                    kinds=[CONDITIONS[t] for t in screening.types()],
                )
        except TimeoutError:
            outcome = "timeout"
        if outcome == HIDDEN:
            log.info("guard.hidden", extra=ids)
            return True
        if outcome == FORBIDDEN:
            if self.mode == "warn":  # another post in flight got its 403 first
                return False
            self.mode = "warn"
            log.warning(
                "guard.mode",
                extra={**ids, "mode": self.mode, "error_code": "graph_403_policy_violation"},
            )
        else:
            log.warning("guard.not_hidden", extra={**ids, "error_code": outcome})
        return False

    async def _team_id(self, inbound: Inbound) -> str | None:
        """The team's Entra group id: from the activity, the installation, else the profile."""
        if inbound.aad_group_id:
            return inbound.aad_group_id
        if inbound.team_thread_id:
            installation = await self._installations.installation(inbound.team_thread_id)
            if installation is not None and installation.aad_group_id:
                return installation.aad_group_id
        return self._fallback_group_id
