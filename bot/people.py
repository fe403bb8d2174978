"""Who sent an activity, as the directory knows them."""

from __future__ import annotations

from dataclasses import replace
from typing import Protocol, runtime_checkable

from botbuilder.core import TurnContext

from services.directory import Directory, StaffPerson


@runtime_checkable
class LearnsTeamsIds(Protocol):
    """A directory that can be told a person's bot-scoped `29:` id (Graph does not know it)."""

    def remember_teams_id(self, aad_id: str, teams_id: str) -> None: ...


async def sender_of(turn_context: TurnContext, directory: Directory) -> StaffPerson | None:
    """The sender by Entra object id, else by their bot-scoped `29:` id; None if unknown.

    A known sender's `29:` id is passed on to the directory: proactive 1:1 chats, card views
    for named users and @mentions need it, and only Teams activities carry it. Nothing is
    written when the directory already has it (this runs on every activity).
    """
    sender = turn_context.activity.from_property
    if sender is None:
        return None
    if sender.aad_object_id:
        found = await directory.by_id(sender.aad_object_id)
        if found is not None:
            teams_id = sender.id or ""
            if (
                teams_id.startswith("29:")
                and found.teams_id != teams_id
                and isinstance(directory, LearnsTeamsIds)
            ):
                directory.remember_teams_id(found.id, teams_id)
                return replace(found, teams_id=teams_id)
            return found
    return await directory.by_teams_id(sender.id) if sender.id else None


def sender_key(turn_context: TurnContext) -> str | None:
    """The sender's Entra object id, else their `29:` id: who to audit when they are unknown."""
    sender = turn_context.activity.from_property
    return (sender.aad_object_id or sender.id or None) if sender is not None else None
