"""Ports the use cases need; adapters in storage/ and bot/ implement them."""

from __future__ import annotations

from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from types import TracebackType
from typing import Protocol

from domain.consultation import Consultation
from domain.details import CaseDetails
from domain.rota import Cover, Rota


class ConcurrentUpdateError(Exception):
    """Someone else changed the consultation since it was read; reload and try again."""


class ConnectionLost(Exception):
    """The database connection dropped during the unit of work (a restart, a failover).

    Nothing was committed unless the drop came during COMMIT itself, so only idempotent work
    (opening the request of a thread, an action re-checked against the stored state) retries.
    """


@dataclass(frozen=True, slots=True)
class Placement:
    """Where a consultation lives in Teams (its thread and the bot's card in it)."""

    channel_id: str | None
    thread_id: str | None
    card_activity_id: str | None
    source: str


class ConsultationStore(Protocol):
    """Consultations, read and written inside a unit of work."""

    async def next_reference(self, year: int) -> str: ...

    async def add(self, consultation: Consultation, placement: Placement) -> None: ...

    async def get(
        self, consultation_id: str, *, for_update: bool = False
    ) -> Consultation | None: ...

    async def save(self, consultation: Consultation, *, read_version: int) -> None: ...

    async def set_card(self, consultation_id: str, card_activity_id: str) -> int | None:
        """Store the card's id; the consultation's version now (None: no such consultation)."""
        ...

    async def set_thread(self, consultation_id: str, thread_id: str) -> int | None:
        """Store the thread (and card) id; the consultation's version now."""
        ...

    async def placement(self, consultation_id: str) -> Placement | None: ...

    async def id_for_thread(self, channel_id: str, thread_id: str) -> str | None: ...

    async def untaken(self, statuses: Collection[str]) -> list[tuple[str, str | None]]:
        """(id, assignee) of the requests in `statuses` nobody has acknowledged, oldest first."""
        ...


@dataclass(frozen=True)
class Draft:
    """A private form in progress; `values` are what was typed (stored sealed)."""

    consultation_id: str
    person_id: str
    dialog: str
    state: str
    values: Mapping[str, str]
    updated_at: datetime
    expires_at: datetime

    def __repr__(self) -> str:
        return f"Draft({self.dialog}, {self.state})"


class DetailsStore(Protocol):
    """Private case details, form drafts and the access audit (sealed at rest)."""

    async def save(
        self, consultation_id: str, details: CaseDetails, *, by: str, at: datetime
    ) -> None: ...

    async def load(self, consultation_id: str) -> CaseDetails | None: ...

    async def earlier_referrals(self, consultation_id: str) -> int: ...

    async def save_draft(self, draft: Draft) -> None: ...

    async def draft(self, consultation_id: str, person_id: str) -> Draft | None: ...

    async def audit(
        self, *, actor_id: str, consultation_id: str, action: str, allowed: bool, at: datetime
    ) -> None: ...

    async def purge(self, *, closed_before: datetime, at: datetime) -> int: ...


class CoverReader(Protocol):
    """Covers set in the bot, read inside the unit of work (SQLite allows one writer)."""

    async def covers(self, ending_after: datetime) -> list[Cover]: ...


class UnitOfWork(Protocol):
    """One transaction: everything inside commits together or not at all."""

    @property
    def covers(self) -> CoverReader: ...

    @property
    def consultations(self) -> ConsultationStore: ...

    @property
    def details(self) -> DetailsStore: ...

    @property
    def outbox(self) -> OutboxStore: ...

    async def __aenter__(self) -> UnitOfWork: ...

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None: ...


class UnitOfWorkFactory(Protocol):
    """Makes a fresh unit of work per use case (`read_only`: it will not write)."""

    def __call__(self, *, read_only: bool = False) -> UnitOfWork: ...


# --- escalations: claimed in the database, sent through an outbox ------------------------------


@dataclass(frozen=True, slots=True)
class OutboxMessage:
    """One message an escalation must deliver: ids and a kind, never text or family data."""

    id: int
    consultation_id: str  # "" for a flow case's message (case_id says which case)
    key: str
    kind: str
    recipient: str
    attempts: int
    case_id: str | None = None  # a flow case's message (services/flow_cases.py), migration 0012


@dataclass(frozen=True, slots=True)
class PendingMessage:
    """An undelivered outbox message as operators see it: why and when it is tried next."""

    message: OutboxMessage
    next_attempt_at: datetime
    last_error: str | None


class EscalationStore(Protocol):
    """Finds consultations with escalations due and records each escalation once."""

    async def candidates(
        self, now: datetime, *, urgent_posted_before: datetime, limit: int
    ) -> list[str]:
        """Ids of open consultations that may have an escalation due (a superset)."""
        ...

    async def timer_candidates(self, now: datetime, *, limit: int) -> list[str]:
        """Ids of open consultations whose next flow timer is due or not yet worked out."""
        ...

    async def set_timer_due(self, consultation_id: str, at: datetime, *, version: int) -> None:
        """Remember the case's next flow timer, unless the case changed since `version`."""
        ...

    async def forget_timer_times(self) -> int:
        """Clear every open case's stored timer time (the flow or calendar may have changed)."""
        ...

    async def lock(self, consultation_id: str) -> bool:
        """Lock the row for this transaction; False when another instance holds it."""
        ...

    async def record(
        self, consultation_id: str, key: str, *, due_at: datetime, at: datetime
    ) -> None:
        """Store the escalation; a second record of the same key violates a unique key."""
        ...


class OutboxStore(Protocol):
    """Messages to send, enqueued with the escalation and claimed under a lease to send."""

    async def enqueue(
        self, consultation_id: str, key: str, notices: Sequence[tuple[str, str]], *, at: datetime
    ) -> None:
        """Add one pending message per (kind, recipient)."""
        ...

    async def add_once(
        self, consultation_id: str, key: str, kind: str, recipient: str, *, at: datetime
    ) -> None:
        """Add one pending message unless (key, recipient) already has one."""
        ...

    async def claim(
        self,
        *,
        now: datetime,
        until: datetime,
        token: str,
        limit: int,
        skip: Collection[int] = (),
    ) -> list[OutboxMessage]:
        """Lease pending messages that are due, not leased by anyone else, and not in `skip`."""
        ...

    async def release(self, message_ids: Collection[int], *, token: str) -> None:
        """Hand back leased messages untried: still due, attempts untouched."""
        ...

    async def claim_for(
        self,
        consultation_id: str,
        kinds: Collection[str],
        *,
        now: datetime,
        until: datetime,
        token: str,
    ) -> list[OutboxMessage]:
        """Lease one consultation's pending messages of these kinds, due or not."""
        ...

    async def mark_sent(self, message_id: int, *, at: datetime) -> None:
        """The message was delivered."""
        ...

    async def mark_failed(
        self,
        message_id: int,
        *,
        token: str,
        next_attempt_at: datetime,
        error: str,
        counted: bool = True,
    ) -> None:
        """The attempt failed (`error` is an exception class name); try again later. Not
        `counted`: Teams' rate limits held it back, which uses up none of its attempts."""
        ...

    async def pending(self) -> list[PendingMessage]:
        """Every message not yet delivered, oldest first."""
        ...

    async def prune_sent(self, *, sent_before: datetime) -> int:
        """Delete the messages delivered before the cutoff; returns how many."""
        ...


class EscalationUnitOfWork(Protocol):
    """One transaction over consultations, escalations and the outbox."""

    @property
    def consultations(self) -> ConsultationStore: ...

    @property
    def escalations(self) -> EscalationStore: ...

    @property
    def outbox(self) -> OutboxStore: ...

    async def __aenter__(self) -> EscalationUnitOfWork: ...

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None: ...


class EscalationUnitOfWorkFactory(Protocol):
    """Makes a fresh escalation unit of work per transaction."""

    def __call__(self) -> EscalationUnitOfWork: ...


class Notifier(Protocol):
    """Renders and sends one outbox message; any exception means the attempt failed."""

    async def deliver(self, message: OutboxMessage) -> None: ...


# --- Microsoft Graph in production mode (adapters in graph/) -----------------------------------


class RotaSource(Protocol):
    """Where the duty rota is kept outside the profile: a SharePoint list or Teams Shifts."""

    async def rota(self, base: Rota) -> Rota:
        """`base` with the explicit weeks and covers this source holds added."""
        ...


class Availability(Protocol):
    """Who is away (automatic replies on), so a request goes to the deputy instead."""

    async def away(self, person_ids: Collection[str], at: datetime) -> frozenset[str]:
        """The ids among `person_ids` that are away at `at`; an unknown answer means present."""
        ...


class MessageGuard(Protocol):
    """Hides a channel post that contains family personal data, as a DLP policy would."""

    async def hide(
        self,
        *,
        team_id: str,
        channel_id: str,
        message_id: str,
        root_id: str | None,
        kinds: Sequence[str],
    ) -> str:
        """Hide the post (a reply when `root_id` is set); "hidden", else a reason code."""
        ...
