"""`python app.py check-config` for Graph: the settings, then the app's own start-up check.

Run before a deployment, it says what `python app.py` would refuse to start on, all at once:
one readable line per problem, no traceback, never a secret or Graph's own error text.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field

from domain.roles import Role
from graph import client
from graph.client import GraphError
from graph.directory import GraphDirectory
from graph.refresh import rota_sources
from graph.settings import GraphConfigError, GraphSettings, check_graph_settings
from graph.wiring import explain
from profiles.domain_map import policy_from_profile
from profiles.schema import Profile
from services.clock import Clock
from settings import Settings

log = logging.getLogger(__name__)


@dataclass
class GraphReport:
    """What check-config prints: findings, then problems (any problem: a non-zero exit)."""

    lines: list[str] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)


async def check_graph(
    bot: Settings, profile: Profile, clock: Clock, *, online: bool | None = None
) -> GraphReport:
    """Check the STEPUP_GRAPH_* settings and, unless `online` is False, Graph itself.

    `online=None` (the default) asks Graph whenever the settings are complete, i.e. the
    credentials are there; `online=True` makes an impossible online check a problem.
    """
    report = GraphReport()
    graph, report.problems = check_graph_settings(bot)
    if graph is not None and not graph.enabled:
        report.lines.append("Graph: off (people, roles and the rota come from the profile)")
        if online:
            report.problems.append("--online needs STEPUP_GRAPH_ENABLED=true")
        return report
    if graph is None:  # even STEPUP_GRAPH_ENABLED may be what is invalid
        report.lines.append("Graph: settings invalid (not asked)")
        return report
    if report.problems:
        report.lines.append("Graph: on, settings incomplete (not asked)")
        return report
    report.lines.append(f"Graph: on ({graph.auth}, {graph.base_url})")
    if online is False:
        report.lines.append("Graph: not asked (--offline)")
        return report
    try:
        await _online(graph, profile, clock, report)
    except Exception as unexpected:  # noqa: BLE001 - a check reports; it never dumps a traceback
        log.warning("graph.check_failed", extra={"error_type": type(unexpected).__name__})
        report.problems.append(f"the Graph check failed ({type(unexpected).__name__})")
    return report


async def _online(
    graph: GraphSettings, profile: Profile, clock: Clock, report: GraphReport
) -> None:
    """What start-up does (token, people, roles, each rota source), each failure one line."""
    try:
        connection = client.connect(graph)
    except GraphConfigError as refused:
        report.problems.append(str(refused))
        return
    directory = GraphDirectory(connection, profile)
    try:
        try:
            await connection.check()
        except GraphConfigError as refused:
            report.problems.append(str(refused))
            return  # without a token every other read fails the same way
        report.lines.append("Graph token: ok")
        try:
            await directory.start()
        except GraphError as failed:
            report.problems.append(explain(failed))
            return  # the rota names people: it cannot be read without them
        everyone = await directory.everyone()
        counts = ", ".join(
            f"{role.value} {sum(role in p.roles for p in everyone)}" for role in Role
        )
        report.lines.append(f"Graph people with roles: {len(everyone)} ({counts})")
        await _rota(directory, profile, clock, report)
    finally:
        await directory.close()


async def _rota(
    directory: GraphDirectory, profile: Profile, clock: Clock, report: GraphReport
) -> None:
    sources = rota_sources(directory, clock)
    if not sources:
        report.lines.append("Graph rota: none named (the profile's rota)")
        return
    rota, read = policy_from_profile(profile).rota, True
    for source in sources:
        try:
            rota = await source.rota(rota)
        except GraphError as failed:
            report.problems.append(explain(failed))
            read = False
    if read:
        primary = rota.on_duty(clock.now()).primary
        person = await directory.by_id(primary) if primary else None
        report.lines.append(f"Graph rota: on duty now {person.name if person else 'nobody'}")
