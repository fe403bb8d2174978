"""A period report's figures, added up one request at a time (one pass, memory of a week's).

Nothing here keeps a request: each is counted where it belongs and dropped, so a year of
requests takes the memory of a handful of counters. The working minutes of each step are kept
as value -> count (`reports.counted`), enough for the exact median and 90th percentile. The
rules are those of docs/reports.md, as `reports.quarterly.compute_report` states them.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

from domain.calendar import WorkingCalendar
from domain.lifecycle import ESCALATIONS, EscalationLevel
from reports.counted import Counted
from reports.figures import (
    ACK_BINS,
    GROUPS,
    OUTCOMES,
    REREFERRAL_MONTHS,
    URGENCIES,
    DisputeFigures,
    EscalationFigures,
    QuarterlyReport,
    ReReferrals,
    Timeliness,
)
from reports.periods import Period, months_before
from reports.working_time import WorkingMinutes

LEVEL_LABELS = {
    EscalationLevel.DUTY_MANAGER: "Duty MAP team manager",
    EscalationLevel.MAP_MANAGERS: "All MAP team managers",
    EscalationLevel.SERVICE_MANAGERS: "Service managers",
}
# Other keys are the flow's own timers (reminders, the checklist chase, the dispute timers):
# recorded on the same case, not one of the three levels these figures count. A report must
# never fail on them: it runs in the tick, before the retention purge.
_LEVEL_OF = {k.value: rule.level for k, rule in ESCALATIONS.items() if rule.level in LEVEL_LABELS}
_DISPUTE_LEVELS = (1, 2)
_MONTHS = sorted(REREFERRAL_MONTHS)


class StepTally:
    """One step (acknowledge or call back) for one group of requests."""

    __slots__ = ("due", "minutes", "within")

    def __init__(self) -> None:
        self.minutes = Counted()
        """Working minutes from posting to the step, for the requests where it was done."""
        self.due = 0
        self.within = 0

    def result(self) -> Timeliness:
        """The step's figures."""
        m = self.minutes
        return Timeliness(len(m), m.median(), m.percentile(90), self.due, self.within)


Tallies = tuple[StepTally, ...]


def _groups() -> dict[str | None, Tallies]:
    """Urgency -> the tallies a request of that urgency adds to ("all", then its own)."""
    every = StepTally()
    groups: dict[str | None, Tallies] = {u: (every, StepTally()) for u in URGENCIES}
    groups[None] = (every,)  # an urgency the report has no column for counts in "all" only
    return groups


class ReportTally:
    """The figures of the requests posted in `period`, as they stood at `as_of`."""

    def __init__(self, period: Period, as_of: datetime, calendar: WorkingCalendar) -> None:
        self._period, self._as_of = period, as_of
        # Worked out once: `Period.start`/`end` build their moments again on every call.
        self._start, self._end = period.start, period.end
        self._zone = ZoneInfo(period.timezone)
        self._minutes = WorkingMinutes(calendar).between  # no calendar walk per call
        self.total = 0
        self._cells: Counter[tuple[str, str]] = Counter()
        self._days: Counter[date] = Counter()  # by local day, turned into weeks at the end
        self._outcomes: Counter[str] = Counter()
        self._ack, self._callback = _groups(), _groups()
        self._escalations = {level: [0, 0] for level in LEVEL_LABELS}  # [escalations, requests]
        self._disputed: Counter[int] = Counter()
        self._reviews: Counter[tuple[int, bool]] = Counter()
        self._with_family = 0
        self._rereferred = dict.fromkeys(REREFERRAL_MONTHS, 0)

    def contains(self, posted_at: datetime) -> bool:
        """Whether a request posted then belongs to the period (`Period.contains`)."""
        return self._start <= posted_at < self._end

    def add_request(
        self,
        service: str,
        urgency: str,
        status: str,
        outcome: str | None,
        posted_at: datetime,
        acknowledge_due: datetime | None,
        acknowledged_at: datetime | None,
        callback_due: datetime | None,
        called_back_at: datetime | None,
        closed_at: datetime | None,
    ) -> None:
        """Count one request of the period (its parameters are `reports.data.REQUEST_COLUMNS`)."""
        self.total += 1
        self._cells[(service, urgency)] += 1
        self._days[posted_at.astimezone(self._zone).date()] += 1
        if outcome is None:
            outcome = "withdrawn" if status == "withdrawn" else "no_outcome_yet"
        self._outcomes[outcome] += 1
        ack = self._ack.get(urgency) or self._ack[None]
        self._step(ack, posted_at, acknowledged_at, acknowledge_due, closed_at)
        callback = self._callback.get(urgency) or self._callback[None]
        self._step(callback, posted_at, called_back_at, callback_due, closed_at)

    def _step(
        self,
        tallies: Tallies,
        posted_at: datetime,
        done_at: datetime | None,
        deadline: datetime | None,
        closed_at: datetime | None,
    ) -> None:
        if done_at is not None:
            minutes = self._minutes(posted_at, done_at)
            for t in tallies:
                t.minutes.add(minutes)
        if deadline is None:
            return
        if done_at is not None:
            within = done_at <= deadline
            for t in tallies:
                t.due += 1
                t.within += within
        elif deadline <= self._as_of and not (closed_at is not None and closed_at < deadline):
            for t in tallies:
                t.due += 1  # still needed when the deadline passed, and never done: late

    def add_escalations(self, keys: Iterable[str]) -> None:
        """Count one request's recorded escalation keys (all of them, in one call)."""
        levels = Counter(_LEVEL_OF[k] for k in keys if k in _LEVEL_OF)
        for level, n in levels.items():
            counts = self._escalations[level]
            counts[0] += n
            counts[1] += 1

    def add_dispute(self, level: int) -> None:
        """Count a dispute opened at review `level`."""
        self._disputed[level] += 1

    def add_review(self, level: int, upheld: bool) -> None:
        """Count a dispute's review at `level`, upheld or overturned."""
        self._reviews[(level, upheld)] += 1

    def add_family(self, posted_at: datetime, previous_at: datetime | None) -> None:
        """Count a request whose EHM number was given, with the family's previous request time."""
        self._with_family += 1
        if previous_at is None:
            return
        # months_before(posted_at, m) is earlier for every longer m, so the first window that
        # holds the previous request holds it in every longer one too: no need to ask again.
        for i, months in enumerate(_MONTHS):
            if previous_at >= months_before(posted_at, months, self._period.timezone):
                for longer in _MONTHS[i:]:
                    self._rereferred[longer] += 1
                return

    def result(self) -> QuarterlyReport:
        """The report of everything counted so far."""
        period = self._period
        return QuarterlyReport(
            period=period,
            as_of=self._as_of,
            total=self.total,
            by_service=self._by_service(),
            weekly=self._weekly(),
            acknowledge=_timeliness(self._ack),
            callback=_timeliness(self._callback),
            ack_distribution=self._ack_distribution(),
            outcomes={k: self._outcomes[k] for k in OUTCOMES},
            escalations=[
                EscalationFigures(int(level), label, *self._escalations[level])
                for level, label in LEVEL_LABELS.items()
            ],
            disputes=[
                DisputeFigures(
                    level,
                    self._disputed[level],
                    self._reviews[(level, True)],
                    self._reviews[(level, False)],
                )
                for level in _DISPUTE_LEVELS
            ],
            rereferrals=ReReferrals(self._with_family, dict(self._rereferred)),
        )

    def _by_service(self) -> dict[str, dict[str, int]]:
        services = sorted({s for s, _ in self._cells}, key=str.casefold)
        return {s: {u: self._cells[(s, u)] for u in URGENCIES} for s in services}

    def _weekly(self) -> list[tuple[date, int]]:
        weeks: Counter[date] = Counter()
        for day, n in self._days.items():
            weeks[day - timedelta(days=day.weekday())] += n
        return [(monday, weeks[monday]) for monday in self._period.weeks()]

    def _ack_distribution(self) -> list[tuple[str, int]]:
        """Time to acknowledge, in working hours, over every request acknowledged."""
        minutes = self._ack[None][0].minutes.items()
        return [
            (label, sum(n for m, n in minutes if low <= m / 60 < high))
            for low, high, label in ACK_BINS
        ]


def _timeliness(groups: dict[str | None, Tallies]) -> dict[str, Timeliness]:
    """Group ("all", "standard", "urgent") -> figures."""
    return {g: (groups[None][0] if g == "all" else groups[g][1]).result() for g in GROUPS}
