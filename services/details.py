"""Use cases on the private case details: give them, look at them, forget them in time."""

from __future__ import annotations

import logging
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum

from domain.consultation import Action, Consultation
from domain.details import FIELDS, CaseDetails, check_details
from domain.errors import AlreadyDone, DomainError
from domain.roles import MAP_WORKERS, Actor, Role
from services.clock import Clock
from services.directory import StaffPerson
from services.policy import Policy
from services.ports import ConcurrentUpdateError, Draft, UnitOfWorkFactory

log = logging.getLogger(__name__)

DRAFT_LIFETIME = timedelta(hours=72)
_MAX_TYPED = 400  # longer input is cut before it is even sealed in a draft
_RETRIES = 3  # optimistic writes lost to a concurrent change are tried again this often


class Ask(StrEnum):
    """What `record_ask` found: whether the ask is on the trail, and whether it should go."""

    RECORDED = "recorded"  # a new details_requested event: send the ask
    ALREADY_ASKED = "already_asked"  # the last ask is unanswered: send again, record nothing
    NOT_NEEDED = "not_needed"  # gone, closed, past the outcome or details given: send nothing
    BUSY = "busy"  # lost every race: not recorded; the ask still goes (the caller logs it)

    @property
    def send(self) -> bool:
        """Whether the form should still be sent to the requester."""
        return self is not Ask.NOT_NEEDED


@dataclass(frozen=True)
class Submission:
    """The result of a submitted form: saved, or a message per field (nothing stored)."""

    consultation: Consultation | None
    saved: bool
    errors: Mapping[str, str]
    message: str = ""
    changed: bool = True  # False: the very details already stored were sent again


@dataclass(frozen=True)
class Access:
    """What a person may see of a consultation's details (audited either way)."""

    consultation: Consultation | None
    allowed: bool
    details: CaseDetails | None = None
    earlier_referrals: int = 0


def may_see(consultation: Consultation, person: StaffPerson) -> bool:
    """The requester, the MAP team (TMs and APs), and service managers once it reaches them."""
    if person.id == consultation.requester_id:
        return True
    if person.roles & MAP_WORKERS:
        return True
    return Role.SERVICE_MANAGER in person.roles and consultation.review_level >= 2


def _asker(consultation: Consultation, assignee: StaffPerson | None) -> Actor | None:
    """The assignee if the domain lets them ask now, else None (the system)."""
    if assignee is None or assignee.id != consultation.assignee_id:
        return None
    actor = assignee.actor()
    allowed = consultation.allowed_actions(actor)
    return actor if Action.REQUEST_DETAILS in allowed else None


def typed_values(values: Mapping[str, object]) -> dict[str, str]:
    """The form's own fields as short strings (anything else in the payload is ignored)."""
    return {f: str(values.get(f) or "")[:_MAX_TYPED] for f in FIELDS}


class DetailsService:
    """Each call is one transaction; details are sealed by the store, never logged."""

    def __init__(self, uow: UnitOfWorkFactory, clock: Clock, policy: Policy) -> None:
        self._uow = uow
        self._clock = clock
        self._policy = policy

    async def consultation(self, consultation_id: str) -> Consultation | None:
        """The consultation, for checks before a form is shown."""
        async with self._uow(read_only=True) as uow:
            return await uow.consultations.get(consultation_id)

    async def draft(self, consultation_id: str, person: StaffPerson) -> Draft | None:
        """The person's draft, if any (expired ones included: the caller decides)."""
        async with self._uow(read_only=True) as uow:
            return await uow.details.draft(consultation_id, person.id)

    async def save_draft(
        self,
        consultation_id: str,
        person: StaffPerson,
        dialog: str,
        state: str,
        values: Mapping[str, str],
    ) -> None:
        """Record the dialog's state and what was typed so far."""
        now = self._clock.now()
        async with self._uow() as uow:
            await uow.details.save_draft(
                Draft(
                    consultation_id,
                    person.id,
                    dialog,
                    state,
                    dict(values),
                    now,
                    now + DRAFT_LIFETIME,
                )
            )

    async def submit(
        self,
        consultation_id: str,
        person: StaffPerson,
        values: Mapping[str, object],
        *,
        dialog: str,
        accepted_state: str,
        refused_state: str,
    ) -> Submission:
        """Validate and store the details, all or nothing; refusals keep the typed values."""
        now = self._clock.now()
        typed = typed_values(values)
        check = check_details(typed, self._policy.details_rules)
        async with self._uow() as uow:
            consultation = await uow.consultations.get(consultation_id, for_update=True)
            if consultation is None:
                return Submission(None, False, {}, "This request no longer exists.")
            if consultation.requester_id != person.id:
                await uow.details.audit(
                    actor_id=person.id,
                    consultation_id=consultation_id,
                    action="details.give",
                    allowed=False,
                    at=now,
                )
                return Submission(
                    consultation,
                    False,
                    {},
                    "Only the person who asked for the consultation can give these details.",
                )
            if check.details is None:
                await uow.details.save_draft(
                    Draft(
                        consultation_id,
                        person.id,
                        dialog,
                        refused_state,
                        typed,
                        now,
                        now + DRAFT_LIFETIME,
                    )
                )
                return Submission(consultation, False, check.errors)
            if await uow.details.load(consultation_id) == check.details:
                # A retried invoke or a second click: already saved, so nothing is written or
                # forwarded again (no event, no audited look, no second card).
                return Submission(consultation, True, {}, changed=False)
            read_version = consultation.version
            try:
                consultation.record_details_provided(person.actor(), at=now)
            except AlreadyDone:
                pass  # an edit of details already given: store the new ones, no new event
            except DomainError as refused:
                return Submission(consultation, False, {}, refused.message)
            await uow.details.save(consultation_id, check.details, by=person.id, at=now)
            await uow.consultations.save(consultation, read_version=read_version)
            await uow.details.save_draft(
                Draft(
                    consultation_id,
                    person.id,
                    dialog,
                    accepted_state,
                    {},
                    now,
                    now + DRAFT_LIFETIME,
                )
            )
        log.info("details.saved", extra={"consultation_id": consultation_id})
        return Submission(consultation, True, {})

    async def record_ask(self, consultation_id: str, assignee: StaffPerson | None) -> Ask:
        """Put on the trail that the requester is asked for the details, before the ask goes.

        Its own transaction, so the event stands even if the message then fails. The asker is
        the assignee when the domain lets them ask (the ask follows their acknowledgement),
        else the system (a profile that asks on submission, before anyone took the request
        on). Idempotent: while an ask is unanswered, another records nothing.
        """
        for _attempt in range(_RETRIES):
            async with self._uow() as uow:
                consultation = await uow.consultations.get(consultation_id, for_update=True)
                if consultation is None or consultation.details_provided:
                    return Ask.NOT_NEEDED
                read_version = consultation.version
                try:
                    consultation.request_details(
                        _asker(consultation, assignee), at=self._clock.now()
                    )
                except AlreadyDone:
                    return Ask.ALREADY_ASKED
                except DomainError:  # closed, withdrawn or past the outcome: nothing to ask
                    return Ask.NOT_NEEDED
                try:
                    await uow.consultations.save(consultation, read_version=read_version)
                except ConcurrentUpdateError:
                    # Nothing was written (the version did not match): read again and retry.
                    log.info("details.ask_retry", extra={"consultation_id": consultation_id})
                    continue
            log.info("details.asked", extra={"consultation_id": consultation_id})
            return Ask.RECORDED
        log.warning("details.ask_not_recorded", extra={"consultation_id": consultation_id})
        return Ask.BUSY

    async def view(self, consultation_id: str, person: StaffPerson) -> Access:
        """The details for someone who may see them; every look is audited."""
        now = self._clock.now()
        async with self._uow() as uow:
            consultation = await uow.consultations.get(consultation_id)
            if consultation is None:
                return Access(None, False)
            allowed = may_see(consultation, person)
            await uow.details.audit(
                actor_id=person.id,
                consultation_id=consultation_id,
                action="details.view",
                allowed=allowed,
                at=now,
            )
            if not allowed:
                log.warning("details.refused", extra={"consultation_id": consultation_id})
                return Access(consultation, False)
            details = await uow.details.load(consultation_id)
            earlier = await uow.details.earlier_referrals(consultation_id) if details else 0
        return Access(consultation, True, details, earlier)

    async def audit_refusal(self, consultation_id: str, actor_id: str, action: str) -> None:
        """Put a refused attempt on the details on record (for an existing request only)."""
        async with self._uow() as uow:
            if await uow.consultations.get(consultation_id) is None:
                return
            await uow.details.audit(
                actor_id=actor_id[:64],
                consultation_id=consultation_id,
                action=action,
                allowed=False,
                at=self._clock.now(),
            )

    async def purge_expired(self, now: datetime | None = None) -> int:
        """Erase the details of requests closed more than the retention period ago.

        Delivered outbox messages older than their own (shorter) period go in the same pass.
        """
        now = now or self._clock.now()
        cutoff = now - timedelta(days=self._policy.retention_days)
        sent_before = now - timedelta(days=self._policy.sent_message_days)
        async with self._uow() as uow:
            count = await uow.details.purge(closed_before=cutoff, at=now)
            pruned = await uow.outbox.prune_sent(sent_before=sent_before)
        if count:
            log.info("details.purged", extra={"count": count})
        if pruned:
            log.info("outbox.pruned", extra={"count": pruned})
        return count
