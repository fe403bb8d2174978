"""A generated quarter of requests, written through the repositories, with its ground truth.

Each request's history is played through the domain aggregate in time order; the truth keeps
what was planned (working minutes, deadlines, families) so tests can compute figures alone.
Every name and number is invented (phones from Ofcom's drama range).
"""

from __future__ import annotations

import random
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from domain.consultation import Consultation, Outcome, Urgency
from domain.roles import Actor, Role
from profiles.domain_map import policy_from_profile
from profiles.loader import load_profile
from settings import DEMO_PROFILE

PROFILE = load_profile(DEMO_PROFILE)
POLICY = policy_from_profile(PROFILE)
CALENDAR = POLICY.calendar
ZONE = ZoneInfo("Europe/London")
AS_OF = datetime(2026, 10, 20, 12, tzinfo=UTC)
QUARTER_FIRST, QUARTER_LAST = date(2026, 7, 1), date(2026, 9, 30)

_ids = {p.key: p.aad_object_id for p in PROFILE.people}
TOM = Actor.of(_ids["tom"], Role.MAP_TEAM_MANAGER)
EWA = Actor.of(_ids["ewa"], Role.MAP_TEAM_MANAGER)
SAM = Actor.of(_ids["sam"], Role.MAP_ADVANCED_PRACTITIONER)
GRACE = Actor.of(_ids["grace"], Role.SERVICE_MANAGER)
REQUESTERS = [Actor.of(f"requester-{n}", Role.REQUESTER) for n in range(1, 9)]
SERVICES = {s.name: s.area_team for s in PROFILE.services}
# Uneven on purpose: some service and urgency cells stay small.
SERVICE_WEIGHTS = [0.45, 0.3, 0.17, 0.08]


@dataclass
class Truth:
    """What the generator planned for one request."""

    id: str
    service: str
    urgency: str
    posted_at: datetime
    ack_due: datetime
    callback_due: datetime
    ack_at: datetime | None = None
    ack_minutes: int | None = None
    callback_at: datetime | None = None
    callback_minutes: int | None = None
    closed_at: datetime | None = None
    withdrawn: bool = False
    outcome: str | None = None
    escalations: list[str] = field(default_factory=list)
    disputes: list[int] = field(default_factory=list)
    reviews: list[tuple[int, bool]] = field(default_factory=list)
    ehm: str | None = None
    phone: str | None = None


@dataclass
class Generated:
    """Every request written, by id, with its truth."""

    truths: list[Truth] = field(default_factory=list)
    consultations: dict[str, Consultation] = field(default_factory=dict)


class _Plan:
    """One request's history: steps sorted by time, then played on the aggregate."""

    def __init__(self) -> None:
        self.steps: list[tuple[datetime, int, Callable[[Consultation], None]]] = []

    def at(self, moment: datetime, step: Callable[[Consultation], None]) -> None:
        self.steps.append((moment, len(self.steps), step))

    def play(self, c: Consultation) -> None:
        for _, _, step in sorted(self.steps, key=lambda s: (s[0], s[1])):
            step(c)


def _posted(rng: random.Random, first: date, last: date) -> datetime:
    day = first + timedelta(days=rng.randrange((last - first).days + 1))
    if rng.random() < 0.85:
        moment = time(rng.randrange(9, 17), rng.randrange(60))
    else:
        moment = time(rng.randrange(24), rng.randrange(60))
    return datetime.combine(day, moment, tzinfo=ZONE).astimezone(UTC)


class Generator:
    """Builds requests with a seeded random source."""

    def __init__(self, seed: int = 20260930) -> None:
        self.rng = random.Random(seed)
        self.count = 0
        self.families = [f"{7300000 + n}" for n in range(40)]
        self.out = Generated()

    def request(self, first: date, last: date) -> Truth:
        """One request posted between two local days, played to where it stands at AS_OF."""
        rng = self.rng
        self.count += 1
        posted = _posted(rng, first, last)
        service = rng.choices(list(SERVICES), SERVICE_WEIGHTS)[0]
        urgency = Urgency.URGENT if rng.random() < 0.15 else Urgency.STANDARD
        due = POLICY.deadlines(posted)
        requester = rng.choice(REQUESTERS)
        c = Consultation.submit(
            reference=f"SU-{posted.year}-{self.count:04d}",
            requester=requester,
            service=service,
            urgency=urgency,
            indicators=(),
            checklist=None,
            at=posted,
            acknowledge_due=due.acknowledge_due,
            callback_due=due.callback_due,
            id=f"c{self.count:031d}",
        )
        c.assign(TOM.person_id, at=posted)
        t = Truth(c.id, service, urgency.value, posted, due.acknowledge_due, due.callback_due)
        plan = _Plan()
        self._history(t, plan, requester)
        plan.play(c)
        self.out.truths.append(t)
        self.out.consultations[c.id] = c
        return t

    def _history(self, t: Truth, plan: _Plan, requester: Actor) -> None:
        rng = self.rng
        fate = rng.random()
        if fate < 0.05:  # withdrawn before anyone acknowledged it
            self._withdraw(
                t, plan, requester, t.posted_at + timedelta(minutes=rng.randrange(10, 900))
            )
            return
        roll = rng.random()
        if t.urgency == "urgent":
            k = rng.randrange(*((5, 90) if roll < 0.85 else (90, 300)))
        else:
            k = rng.randrange(
                *((5, 180) if roll < 0.7 else (180, 480) if roll < 0.9 else (480, 1500))
            )
        if roll > 0.96 and CALENDAR.is_working_time(t.posted_at):
            # Exactly at the deadline (the close of the same working day): still in time.
            k = int((t.ack_due - t.posted_at).total_seconds()) // 60
        worker = rng.choice([TOM, EWA, SAM])
        t.ack_minutes, t.ack_at = k, CALENDAR.add_working_minutes(t.posted_at, k)
        ack_at = t.ack_at
        plan.at(ack_at, lambda c: c.acknowledge(worker, at=ack_at))
        if rng.random() < 0.9:
            t.phone = f"+441134960{rng.randrange(1000):03d}"
            t.ehm = rng.choice(self.families) if rng.random() < 0.35 else f"{8100000 + self.count}"
            given = ack_at + timedelta(minutes=10)
            plan.at(given, lambda c: c.record_details_provided(requester, at=given))
        fate = rng.random()
        if fate < 0.02:  # withdrawn after acknowledgement, before the call-back
            self._withdraw(t, plan, requester, ack_at + timedelta(hours=2))
            return
        if fate < 0.035:  # never called back
            self._escalate(t, plan, until=AS_OF)
            return
        j = rng.randrange(15, 200) if rng.random() < 0.85 else rng.randrange(200, 900)
        t.callback_at = CALENDAR.add_working_minutes(ack_at, j)
        t.callback_minutes = k + j
        callback_at = t.callback_at
        plan.at(callback_at, lambda c: c.record_callback(worker, at=callback_at))
        self._escalate(t, plan, until=callback_at)
        self._decide(t, plan, worker, requester, callback_at + timedelta(minutes=30))

    def _withdraw(self, t: Truth, plan: _Plan, requester: Actor, at: datetime) -> None:
        t.withdrawn, t.closed_at = True, at
        plan.at(at, lambda c: c.withdraw(requester, at=at))
        self._escalate(t, plan, until=at)

    def _escalate(self, t: Truth, plan: _Plan, *, until: datetime) -> None:
        """What the scheduler would have recorded while the request waited."""
        waits_ack = t.ack_at or until
        keys = []
        if t.urgency == "urgent":
            keys.append(("urgent_unacknowledged", CALENDAR.add_working_minutes(t.posted_at, 60)))
            keys.append(
                ("urgent_unacknowledged_managers", CALENDAR.add_working_minutes(t.posted_at, 120))
            )
        keys.append(("eod_unacknowledged", t.ack_due))
        for key, moment in keys:
            if moment < waits_ack and moment < until and moment <= AS_OF:
                self._record(t, plan, key, moment)
        if t.callback_due < until and t.callback_due <= AS_OF:
            self._record(t, plan, "callback_overdue", t.callback_due)

    def _record(self, t: Truth, plan: _Plan, key: str, moment: datetime) -> None:
        t.escalations.append(key)
        plan.at(moment, lambda c: c.record_escalation(key, at=moment))

    def _decide(self, t: Truth, plan: _Plan, worker: Actor, requester: Actor, at: datetime) -> None:
        rng = self.rng
        met = rng.random() < 0.4
        outcome = Outcome.THRESHOLD_MET if met else Outcome.THRESHOLD_NOT_MET
        team = SERVICES[t.service] if met else None
        t.outcome = outcome.value
        plan.at(at, lambda c: c.record_outcome(worker, outcome, area_team=team, at=at))
        if rng.random() >= 0.12:
            if rng.random() < 0.5:
                closed = t.closed_at = at + timedelta(days=2)
                plan.at(closed, lambda c: c.close(requester, at=closed))
            return
        reviewer = EWA if worker is TOM else TOM
        self._dispute(t, plan, requester, reviewer, 1, at + timedelta(days=1))

    def _dispute(
        self, t: Truth, plan: _Plan, requester: Actor, reviewer: Actor, level: int, at: datetime
    ) -> None:
        rng = self.rng
        t.disputes.append(level)
        plan.at(at, lambda c: c.dispute(requester, at=at))
        if level == 1:
            named = at + timedelta(hours=1)
            plan.at(named, lambda c: c.assign_reviewer(reviewer, at=named))
        if rng.random() < 0.15:
            return  # awaiting review at AS_OF
        upheld = rng.random() < 0.65
        now = Outcome(t.outcome or "")
        new = (
            now
            if upheld
            else (
                Outcome.THRESHOLD_NOT_MET if now is Outcome.THRESHOLD_MET else Outcome.THRESHOLD_MET
            )
        )
        team = SERVICES[t.service] if not upheld and new is Outcome.THRESHOLD_MET else None
        who = reviewer if level == 1 else GRACE
        done = at + timedelta(days=1)
        t.reviews.append((level, upheld))
        t.outcome = new.value
        changed = None if upheld else new
        plan.at(
            done, lambda c: c.review(who, upheld=upheld, outcome=changed, area_team=team, at=done)
        )
        if level == 1 and rng.random() < 0.3:
            self._dispute(t, plan, requester, GRACE, 2, done + timedelta(days=1))


def generate(seed: int = 20260930) -> Generated:
    """History (a year before), the quarter (hundreds of requests), and a few after it."""
    g = Generator(seed)
    for _ in range(110):
        g.request(date(2025, 7, 1), date(2026, 6, 30))
    for _ in range(330):
        g.request(QUARTER_FIRST, QUARTER_LAST)
    for _ in range(12):
        g.request(date(2026, 10, 1), date(2026, 10, 9))
    return g.out
