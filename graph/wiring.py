"""How app.py switches Graph on: the directory, the start-up check and the live rota.

Nothing here knows the Bot Framework: block mode (the guard that hides posts) is chosen in
`bot/blocking_guard.py`, which sits at the bot edge.
"""

from __future__ import annotations

from graph import client
from graph.client import GraphError
from graph.directory import GraphDirectory
from graph.refresh import GraphRefresh
from graph.settings import GraphConfigError, load_graph_settings
from profiles.schema import Profile
from services.clock import Clock
from services.policy import Policy
from settings import Settings

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


async def start_graph(directory: GraphDirectory, policy: Policy, clock: Clock) -> GraphRefresh:
    """Start-up check (a token, people, roles, the rota); one readable error on any failure.

    `policy.rota` is then the Graph rota, and the returned GraphRefresh keeps it fresh.
    """
    live = GraphRefresh(directory, policy, clock)
    try:
        await directory.graph.check()
        await directory.start()
        await live.start()
    except GraphError as failed:
        await directory.close()
        raise GraphConfigError(explain(failed)) from None
    except BaseException:
        await directory.close()
        raise
    return live


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
