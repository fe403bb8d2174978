"""The personal-data guard on the channel: every post and reply is screened before anything else.

Warn mode (local mode, and tenants that have not granted ChannelMessage.UpdatePolicyViolation.All):
a notice in the thread that names the kinds of data found, never the data; a copy of the post
with them removed; a private message to the author. The text itself is never stored or logged.
"""

from __future__ import annotations

import logging
import re

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
            return
        try:
            await self._messenger.send_private_text(
                author, author_note(screening, self._profile, hidden=hidden)
            )
        except Exception as missing:  # noqa: BLE001 - NoRoute or a connector failure alike
            log.warning("guard.author_not_told", extra={"error_type": type(missing).__name__})


def thread_notice(screening: Screening, author: StaffPerson | None, *, hidden: bool) -> str:
    """The notice in the thread: the kinds found (never the values) and a redacted copy."""
    owner = f"{plain(author.name)}'s post" if author else "This post"
    if hidden:
        what = (
            f"⚠ {owner} contains {kinds(screening)} about a family, so I have hidden it from "
            "the channel: every service reads it. Give case details privately (I will ask you "
            "for them)."
        )
    else:
        what = (
            f"⚠ {owner} contains {kinds(screening)} about a family. The channel is shared by "
            "every service: please delete the post. Give case details privately (I will ask "
            "you for them)."
        )
    return f"{what} A copy without those details:\n\n> {plain(screening.redacted)}"


def author_note(screening: Screening, profile: Profile, *, hidden: bool) -> str:
    """The private message to the author: what was found and what to do next."""
    found = f"Your post in {profile.channel.name} contained {kinds(screening)}."
    if hidden:
        step = "I have hidden it from the channel, so nobody else can read it."
    else:
        step = "Please delete it now: everyone in the channel can read it."
    return (
        f"{found} {step} Never post the EHM number or family details there; I ask for them "
        "privately once the duty manager acknowledges your request. Guidance: "
        f"{profile.links.data_protection}"
    )
