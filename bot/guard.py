"""The personal-data guard on the channel: every post and reply is screened before anything else.

Warn mode (local mode, and tenants that have not granted ChannelMessage.UpdatePolicyViolation.All):
a notice in the thread that names the kinds of data found and what to do, never the data and no
word of the post; a private message to the author with a copy of the post without what was found,
to repost if they wish. Whatever the screen missed must not be published again by the bot, nor
outlive the author's deletion of the original, so the copy never goes to the channel.

The text itself is never stored or logged. A private note the turn could not deliver is held in
memory only (it carries the redacted text) and the scheduler's tick tries it again
(`retry_private`); a restart loses it, and the thread notice has told the author what to do.
"""

from __future__ import annotations

import logging
import re
from dataclasses import dataclass

from botbuilder.core import TurnContext

from bot.inbound import Inbound
from bot.messenger import Messenger
from cards.common import plain
from observability import metrics
from privacy.model import Author, FindingType, Screening, StaffMember, Vocabulary
from privacy.screen import Screener
from profiles.schema import Profile
from services.directory import StaffPerson

log = logging.getLogger(__name__)

_KIND = {
    FindingType.NAME: "a name",
    FindingType.DATE_OF_BIRTH: "a date of birth",
    FindingType.AGE: "an age",
    FindingType.ADDRESS: "an address",
    FindingType.POSTCODE: "a postcode",
    FindingType.PHONE: "a phone number",
    FindingType.EMAIL: "an e-mail address",
    FindingType.NHS_NUMBER: "an NHS number",
    FindingType.NI_NUMBER: "a National Insurance number",
    FindingType.CASE_REFERENCE: "a case number",
    FindingType.SCHOOL: "a school or nursery",
    FindingType.VEHICLE_REGISTRATION: "a vehicle registration",
    FindingType.SOCIAL_HANDLE: "a social-media handle",
}
_MENTION = re.compile(r"<at>.*?</at>")
# A private note the turn could not deliver is tried on this many ticks (5 minutes apart by
# default: about two hours), then dropped; at most this many wait at once (the oldest go first).
RETRY_TICKS = 24
MAX_WAITING = 200


@dataclass
class _Waiting:
    """A private note to the author that is still to be delivered (memory only, never stored)."""

    author: StaffPerson
    text: str
    attempts: int = 1

    def __repr__(self) -> str:
        return f"_Waiting(attempts={self.attempts})"  # the text stays out of any repr


def kinds(screening: Screening) -> str:
    """ "a name and a date of birth": the kinds found, in words, never the values."""
    words = [_KIND[t] for t in screening.types()]
    return words[0] if len(words) == 1 else ", ".join(words[:-1]) + " and " + words[-1]


def screener_for(profile: Profile, staff: tuple[StaffPerson, ...]) -> Screener:
    """A screener that keeps the council's staff and vocabulary."""
    directory = [
        StaffMember(name=p.name, email=p.email, phones=p.phones, role=p.job_title) for p in staff
    ]
    vocabulary = Vocabulary(
        services=tuple(s.name for s in profile.services),
        places=profile.places
        + tuple(sorted({s.area_team for s in profile.services if s.area_team}))
        + tuple(t.name for t in profile.contacts.assessment_teams),
        indicators=profile.indicators,
        roles=tuple(sorted({p.job_title for p in staff if p.job_title})),
        acronyms=profile.acronyms,
        staff_email_domains=profile.staff_email_domains,
    )
    return Screener(directory, vocabulary)


class ChannelGuard:
    """Screens channel messages and, in warn mode, tells the thread and the author."""

    mode = "warn"

    def __init__(self, screener: Screener, messenger: Messenger, profile: Profile) -> None:
        self._screener = screener
        self._messenger = messenger
        self._profile = profile
        self._waiting: list[_Waiting] = []

    def use_staff(self, staff: tuple[StaffPerson, ...]) -> None:
        """Screen against this list of staff from now on (the directory was refreshed)."""
        # Built aside and swapped in one assignment: a post screened meanwhile uses either list.
        self._screener = screener_for(self._profile, staff)

    def screen(self, turn_context: TurnContext, author: StaffPerson | None) -> Screening:
        """Screen the message text (the bot's own @mention removed first)."""
        text = _MENTION.sub("", turn_context.activity.text or "").strip()
        sender = turn_context.activity.from_property
        who = Author(
            author.name if author else (sender.name if sender else "") or "",
            author.email if author else None,
        )
        return self._screener.screen(text, who)

    async def warn(
        self,
        turn_context: TurnContext,
        inbound: Inbound,
        screening: Screening,
        author: StaffPerson | None,
        *,
        hidden: bool = False,
    ) -> None:
        """Answer in the thread at once, then tell the author privately.

        `hidden`: block mode hid the post, so nobody is asked to delete it.
        """
        try:
            await turn_context.send_activity(thread_notice(screening, author, hidden=hidden))
        except Exception as error:  # noqa: BLE001 - the post must still become a request
            # A throttled or failed notice must not fail the turn: the request that follows
            # matters more, and the author is still told privately below.
            log.warning("guard.notice_not_sent", extra={"error_type": type(error).__name__})
        for kind in screening.types():
            metrics.current().screen_hits.add(1, {"type": kind.value})
        log.warning(
            "guard.warned",
            extra={"activity_id": inbound.message_id, "types": ",".join(screening.types())},
        )
        if author is None:
            return  # nobody to send the copy to; the thread notice still carries no text
        note = author_note(screening, self._profile, hidden=hidden)
        try:
            await self._send_note(author, note)
        except Exception as missing:  # noqa: BLE001 - NoRoute or a connector failure alike
            log.warning("guard.author_not_told", extra={"error_type": type(missing).__name__})
            self._wait(_Waiting(author, note))

    async def retry_private(self) -> int:
        """Try the private notes that could not be delivered again (the scheduler's tick);
        returns how many were delivered."""
        waiting, self._waiting = self._waiting, []
        delivered = 0
        for item in waiting:
            try:
                await self._send_note(item.author, item.text)
            except Exception as missing:  # noqa: BLE001 - tried again on the next tick
                item.attempts += 1
                if item.attempts > RETRY_TICKS:
                    log.warning(
                        "guard.author_note_dropped",
                        extra={"error_type": type(missing).__name__, "attempt": item.attempts},
                    )
                else:
                    self._wait(item)
                continue
            delivered += 1
            log.info("guard.author_told", extra={"attempt": item.attempts + 1})
        return delivered

    def waiting(self) -> int:
        """How many private notes wait for the next tick."""
        return len(self._waiting)

    async def _send_note(self, author: StaffPerson, note: str) -> None:
        if not await self._messenger.send_private_text(author, note):
            # No activity id: the SDK swallowed a failed send (see bot.notifier._require_sent).
            raise NotDelivered

    def _wait(self, item: _Waiting) -> None:
        self._waiting.append(item)
        if len(self._waiting) > MAX_WAITING:
            self._waiting.pop(0)
            log.warning("guard.author_note_dropped", extra={"error_code": "too_many_waiting"})


class NotDelivered(Exception):
    """The Messenger got no activity id back for the private note."""


def thread_notice(screening: Screening, author: StaffPerson | None, *, hidden: bool) -> str:
    """The notice in the thread: the kinds found (never the values) and what to do.

    It quotes nothing of the post, not even with the findings removed: whatever the screen
    missed would be published again by the bot and stay after the author deletes the original.
    """
    owner = f"{plain(author.name)}'s post" if author else "This post"
    found = f"⚠ {owner} contains {kinds(screening)} about a family."
    if hidden:
        step = "I have hidden it from the channel, which every service reads."
    else:
        step = (
            "The channel is read by every service: please delete the post, or edit those "
            "details out of it."
        )
    copy = (
        " I'm sending you a copy without them in our private chat, to post again if you wish."
        if author
        else ""
    )
    return f"{found} {step}{copy} Give case details privately (I will ask you for them)."


def author_note(screening: Screening, profile: Profile, *, hidden: bool) -> str:
    """The private message to the author: what was found, what to do next, and the copy.

    Only here, in the author's own 1:1 chat, does the bot show the post with the findings
    replaced by labels, so that they can post it again without them.
    """
    found = f"Your post in {profile.channel.name} contained {kinds(screening)}."
    if hidden:
        step = "I have hidden it from the channel, so nobody else can read it."
    else:
        step = (
            "Please delete it now, or edit those details out: everyone in the channel can read it."
        )
    return (
        f"{found} {step} Never post the EHM number or family details there; I ask for them "
        "privately once the duty manager acknowledges your request. Guidance: "
        f"{profile.links.data_protection}\n\n"
        "Here is your post without those details, only for you. Check it before you post it "
        f"again: I may have missed something.\n\n> {plain(screening.redacted)}"
    )
