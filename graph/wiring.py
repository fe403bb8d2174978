"""How app.py switches Graph on: the directory, the start-up check, the rota and block mode."""

from __future__ import annotations

from dataclasses import replace

from bot.guard import ChannelGuard
from bot.messenger import Messenger
from graph import client
from graph.blocking_guard import BlockingGuard
from graph.client import GraphError
from graph.directory import GraphDirectory
from graph.message_guard import PolicyViolationHider
from graph.rota_sources import SharePointRota, ShiftsRota
from graph.settings import GraphConfigError, load_graph_settings
from privacy.screen import Screener
from profiles.schema import Profile
from services.clock import Clock
from services.directory import Directory
from services.policy import Policy
from services.ports import RotaSource
from settings import Settings
from storage.conversations import ConversationStore

# What to grant when Graph answers 403 while reading each thing (docs/permissions.md).
_PERMISSION = {
    "role group": "GroupMember.Read.All",
    "users": "User.Read.All",
    "rota list": "Sites.Selected and a read grant on the rota site",
    "shifts": "Schedule.Read.All",
}


def graph_directory(settings: Settings, profile: Profile) -> GraphDirectory | None:
    """The Graph directory (not yet loaded) when STEPUP_GRAPH_ENABLED is true, else None."""
    graph_settings = load_graph_settings(settings)
    if not graph_settings.enabled:
        return None
    return GraphDirectory(client.connect(graph_settings), profile)


async def start_graph(directory: GraphDirectory, policy: Policy, clock: Clock) -> Policy:
    """Start-up check (a token, people, roles, the rota); one readable error on any failure."""
    try:
        await directory.graph.check()
        await directory.start()
        rota = policy.rota
        for source in rota_sources(directory, clock):
            rota = await source.rota(rota)
    except GraphError as failed:
        await directory.close()
        raise GraphConfigError(explain(failed)) from None
    except BaseException:
        await directory.close()
        raise
    return replace(policy, rota=rota)


def rota_sources(directory: GraphDirectory, clock: Clock) -> list[RotaSource]:
    """The rota sources the profile's `graph` section names (none: the profile's rota only)."""
    config = directory.profile.graph
    sources: list[RotaSource] = []
    if config.rota_list is not None:
        sources.append(SharePointRota(directory.graph, config.rota_list, directory))
    if config.shifts_team_id:
        sources.append(
            ShiftsRota(
                directory.graph, config.shifts_team_id, directory, clock, config.shifts_group_id
            )
        )
    return sources


def guard_for(
    directory: Directory,
    screener: Screener,
    messenger: Messenger,
    profile: Profile,
    installations: ConversationStore,
) -> ChannelGuard:
    """Block mode with the Graph directory; warn mode (ChannelGuard) otherwise."""
    if not isinstance(directory, GraphDirectory):
        return ChannelGuard(screener, messenger, profile)
    return BlockingGuard(
        screener,
        messenger,
        profile,
        hider=PolicyViolationHider(directory.graph, profile.links.data_protection),
        installations=installations,
        directory=directory,
        timeout=directory.graph.settings.timeout_seconds,
    )


def explain(failed: GraphError) -> str:
    """A start-up error naming what to fix, from a failed Graph read."""
    where = failed.where or "Microsoft Graph"
    if failed.status == 401:
        return f"Graph refused the app's token reading {where} (401): check the Graph credentials"
    if failed.status == 403:
        grant = next(
            (p for w, p in _PERMISSION.items() if where.startswith(w)), "docs/permissions.md"
        )
        return f"Graph answered 403 reading {where}: grant {grant} (admin consent)"
    if failed.status == 404:
        return f"Graph answered 404 reading {where}: check the id in the profile's graph section"
    return (
        f"Graph failed reading {where} ({failed.code}): is STEPUP_GRAPH_BASE_URL reachable "
        "and Graph healthy?"
    )
