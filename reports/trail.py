"""The audit trail of one request: every event, who and when, in order; never any family data.

Pure: events, names and covers in, entries out. `reports.audit` loads them from the database.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from zoneinfo import ZoneInfo

from domain.consultation import Consultation
from domain.events import Event
from domain.roles import Role
from reports.audit_words import Namer, describe
from services.directory import StaffPerson

AUDIT_ROLES = frozenset({Role.MAP_TEAM_MANAGER, Role.SERVICE_MANAGER})
SYSTEM = "the bot (system)"
_ID_KEYS = ("assignee_id", "previous_assignee_id", "from_id", "to_id", "reviewer_id")


@dataclass(frozen=True)
class CoverRecord:
    """A cover set in the bot: who covers whom, when, and who set it."""

    covering: str
    covered: str | None
    starts_at: datetime
    ends_at: datetime
    set_by: str
    set_at: datetime


@dataclass(frozen=True)
class AuditEntry:
    """One line of the trail: when, what, who, and a detail made of codes only."""

    at: datetime
    what: str
    who: str
    detail: str
    seq: int | None
    """The event's number in the request's history; None for a rota cover."""


@dataclass(frozen=True)
class AuditTrail:
    """A request's trail, oldest first, for one time zone."""

    consultation_id: str
    reference: str
    timezone: str
    entries: list[AuditEntry]

    def when(self, entry: AuditEntry) -> str:
        """An entry's time as read in the council, e.g. "Tue 24 Nov 2026 10:00 GMT"."""
        return entry.at.astimezone(ZoneInfo(self.timezone)).strftime("%a %-d %b %Y %H:%M %Z")


def may_view_audit(person: StaffPerson | None) -> bool:
    """MAP team managers and service managers may open a request's audit trail."""
    return person is not None and not AUDIT_ROLES.isdisjoint(person.roles)


def people_in(consultation: Consultation, covers: Iterable[CoverRecord]) -> set[str]:
    """Every person id the trail names."""
    ids = {e.actor_id for e in consultation.events if e.actor_id}
    ids |= {e.data[k] for e in consultation.events for k in _ID_KEYS if e.data.get(k)}
    for c in covers:
        ids |= {c.covering, c.set_by} | ({c.covered} if c.covered else set())
    return ids


def audit_trail(
    consultation: Consultation,
    names: Mapping[str, str],
    covers: Sequence[CoverRecord] = (),
    timezone: str = "Europe/London",
) -> AuditTrail:
    """The trail: events in their order, each cover placed at the time it was set."""

    def name(person_id: str | None) -> str:
        if person_id is None:
            return SYSTEM
        return names.get(person_id) or f"unknown person ({person_id})"

    entries = [_event_entry(seq, e, name) for seq, e in enumerate(consultation.events, start=1)]
    for cover in sorted(covers, key=lambda c: c.set_at):
        whom = f" for {name(cover.covered)}" if cover.covered else ""
        span = " to ".join(_local(t, timezone) for t in (cover.starts_at, cover.ends_at))
        detail = f"{name(cover.covering)} covers{whom}, {span}"
        entry = AuditEntry(cover.set_at, "cover", name(cover.set_by), detail, None)
        # After every event at or before the cover's time, so the events keep their order.
        place = next((i for i, e in enumerate(entries) if e.at > cover.set_at), len(entries))
        entries.insert(place, entry)
    return AuditTrail(consultation.id, consultation.reference, timezone, entries)


def _event_entry(seq: int, event: Event, name: Namer) -> AuditEntry:
    what, detail = describe(event, name)
    return AuditEntry(event.at, what, name(event.actor_id), detail, seq)


def _local(at: datetime, timezone: str) -> str:
    return at.astimezone(ZoneInfo(timezone)).strftime("%-d %b %Y %H:%M")
