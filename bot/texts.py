"""Plain texts the bot sends. No family data ever goes into these."""

from __future__ import annotations

from profiles.schema import Profile


def welcome_text(profile: Profile) -> str:
    """Posted when the bot is added to the team."""
    return (
        f"Hello, I'm the Step Up Bot for {profile.council}. I watch "
        f"**{profile.channel.name}**: each new post there is a request for a step-up "
        "consultation with the MAP team manager on duty this week. I keep family details "
        "out of the channel and collect the EHM number and your contact number privately. "
        "Please never post a family's names, addresses, dates of birth or case numbers here."
    )


def help_text(profile: Profile) -> str:
    """Sent in the 1:1 chat."""
    return (
        "I help with step-up consultations.\n\n"
        f"- Post a request in **{profile.channel.name}** (your name, e-mail and service; "
        "say **Urgent** if a child is at imminent risk of harm).\n"
        "- Never include the EHM number or family details there: I will ask you for them "
        "privately.\n"
        "- Commands here: **new request** (a form: no typing of family details), "
        "**who is on duty**, **my requests** (your requests, or the queue, each with a link "
        "to its thread), **step down** (FC/FSP managers: record a step down allocated to "
        "your service), **export audit** and a reference (MAP team managers: the request's "
        "audit trail as a file), **help**.\n\n"
        f"{profile.contacts.police}"
    )


def channel_help_text(profile: Profile) -> str:
    """Answered in the thread when someone @mentions the bot with "help" in the channel."""
    return (
        f"Each new post in **{profile.channel.name}** is a step-up request: say **Urgent** if "
        "a child is at imminent risk of harm, and never include family details or the EHM "
        "number (I ask for them privately). Mention me here with **who is on duty**, "
        "**my requests** (the list comes to your 1:1 chat) or **help**. In your 1:1 chat with "
        "me: **new request** (a form), **who is on duty**, **my requests**, "
        f"**help**.\n\n{profile.contacts.police}"
    )


def out_of_hours_text(profile: Profile) -> str:
    """Answered at once to a request posted outside working hours."""
    ooh = profile.contacts.out_of_hours
    return (
        f"{profile.contacts.out_of_hours_guidance} {ooh.name}: {ooh.phone}. "
        "The MAP team will pick this request up when the office opens; its deadlines run "
        "from then."
    )
