"""Who sent an activity, as the directory knows them."""

from __future__ import annotations

from botbuilder.core import TurnContext

from services.directory import Directory, StaffPerson


async def sender_of(turn_context: TurnContext, directory: Directory) -> StaffPerson | None:
    """The sender by Entra object id, else by their bot-scoped `29:` id; None if unknown."""
    sender = turn_context.activity.from_property
    if sender is None:
        return None
    if sender.aad_object_id:
        found = await directory.by_id(sender.aad_object_id)
        if found is not None:
            return found
    return await directory.by_teams_id(sender.id) if sender.id else None


def sender_key(turn_context: TurnContext) -> str | None:
    """The sender's Entra object id, else their `29:` id: who to audit when they are unknown."""
    sender = turn_context.activity.from_property
    return (sender.aad_object_id or sender.id or None) if sender is not None else None
