"""`python app.py check-config`: validate the settings and profile and say what was found."""

from __future__ import annotations

import sys
from datetime import UTC, datetime
from pathlib import Path
from typing import TextIO

from domain.process.diagram import mermaid
from domain.roles import Role
from profiles.domain_map import calendar_from_profile, rota_from_profile
from profiles.loader import load_profile
from profiles.process_loader import ProcessError, council_process
from profiles.schema import Profile
from settings import Settings
from storage.db import async_url


def check_config(
    settings: Settings,
    profile_path: Path | None = None,
    *,
    now: datetime | None = None,
    out: TextIO = sys.stdout,
) -> int:
    """Print a summary; exit 0 when usable, 1 when the rota has problems (ProfileError raises)."""
    path = profile_path or settings.profile_path
    profile = load_profile(path)
    now = now or datetime.now(UTC)
    lines = _summary(settings, profile, path, now)
    problems = _rota_problems(profile, now)
    lines.append(f"Rota problems: {len(problems) or 'none'}")
    lines.extend(f"  - {problem}" for problem in problems)
    flows_ok = _flows(profile, lines)
    print("\n".join(lines), file=out)
    rota_ok = not any(p.startswith(("empty_rota", "unknown_person")) for p in problems)
    return 0 if rota_ok and flows_ok else 1


def _flows(profile: Profile, lines: list[str]) -> bool:
    """The process definitions, proved against the profile, each drawn as Mermaid; or why
    they are refused (the bot would then run step up's built-in lifecycle alone)."""
    try:
        process = council_process(profile)
    except ProcessError as refused:
        lines.append(f"Process definitions refused ({refused.path.name}):")
        lines.extend(f"  - {problem}" for problem in refused.problems)
        return False
    for flow in process.flows:
        states = len(flow.states)
        lines += [f"Flow {flow.key}: {flow.label} ({states} states, {len(flow.timers)} timers)"]
        lines += ["```mermaid", mermaid(flow), "```"]
    return True


def _summary(settings: Settings, profile: Profile, path: Path, now: datetime) -> list[str]:
    names = {p.aad_object_id: p.name for p in profile.people}
    rota = rota_from_profile(profile)
    duty = rota.on_duty(now)
    next_duty = rota.on_duty(rota.next_handover(now))
    hours = profile.working_hours
    lines = [
        f"Profile: {path}",
        f"Council: {profile.council}",
        f"Mode: {settings.mode.value}"
        + ("" if settings.auth_enabled else " (authentication OFF: local use only)"),
        f"Database: {async_url(settings.database_url).get_backend_name()}",
        f"Channel: {profile.channel.name} ({profile.channel.id}) in team {profile.team.name}",
        f"Services: {len(profile.services)}",
    ]
    for role in Role:
        people = ", ".join(p.name for p in profile.people_with(role)) or "nobody"
        lines.append(f"  {role.value}: {people}")
    lines += [
        f"On duty now: {names.get(duty.primary or '', 'nobody')} "
        f"(deputy {names.get(duty.deputy or '', 'none')}, {duty.source})",
        f"On duty next week: {names.get(next_duty.primary or '', 'nobody')}",
        f"Working hours: {hours.start:%H:%M}-{hours.end:%H:%M} {hours.timezone}, "
        f"bank holidays {hours.country}-{hours.subdivision}",
        f"Level 4 indicators: {len(profile.indicators)}",
    ]
    return lines


def _rota_problems(profile: Profile, now: datetime) -> list[str]:
    names = {p.aad_object_id: p.name for p in profile.people}
    problems = rota_from_profile(profile).validate(
        now, known_people=set(names), calendar=calendar_from_profile(profile)
    )
    rendered = []
    for problem in problems:
        message = problem.message
        for person_id, name in names.items():
            message = message.replace(person_id, name)
        rendered.append(f"{problem.code}: {message}")
    return rendered
