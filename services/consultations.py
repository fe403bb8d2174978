"""Use cases on consultations: open a request, and every action people take on it."""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable, Collection, Mapping
from dataclasses import dataclass
from datetime import datetime

from domain.checklist import Checklist, validate_indicators
from domain.consultation import Consultation, Outcome, Status, Urgency
from domain.errors import AlreadyDone, DomainError, InvalidRequest
from domain.escalation import CARD, MessageKind
from domain.lifecycle import Action
from domain.roles import Actor, Role
from domain.rota import Rota
from services.clock import Clock
from services.deliveries import (
    NOTHING,
    Claimed,
    DeliveryLedger,
    claim_card,
    enqueue_opening,
    enqueue_thread,
)
from services.directory import Directory, StaffPerson
from services.owner_notices import enqueue_owner_change
from services.policy import Policy
from services.ports import (
    Availability,
    ConcurrentUpdateError,
    ConnectionLost,
    Placement,
    UnitOfWork,
    UnitOfWorkFactory,
)
from services.rota import with_covers

log = logging.getLogger(__name__)

_RETRIES = 3


@dataclass(frozen=True)
class ActionResult:
    """What an action did: the consultation as saved, whether it changed, and what to say."""

    consultation: Consultation | None
    changed: bool
    message: str
    refused: DomainError | None = None


@dataclass(frozen=True)
class RequestForm:
    """What the requester chose on the structured form (their identity comes from Teams)."""

    service: str
    urgent: bool
    indicators: list[str]
    checklist: Checklist


@dataclass(frozen=True)
class Opened:
    """A request opened from a post; `created` is False when Teams re-delivered the post.

    `deliveries` are its card and checklist, leased to this turn to send (on a redelivery,
    the card only, and only if it was never delivered).
    """

    consultation: Consultation
    created: bool
    deliveries: Claimed = NOTHING


Step = Callable[[UnitOfWork, Consultation, Actor, Mapping[str, object]], Awaitable[str]]


class ConsultationService:
    """Opens consultations and applies people's actions to them, one transaction each."""

    def __init__(
        self,
        uow: UnitOfWorkFactory,
        directory: Directory,
        clock: Clock,
        policy: Policy,
        availability: Availability | None = None,
    ) -> None:
        self._availability = availability
        self._uow = uow
        self._directory = directory
        self._clock = clock
        self._policy = policy
        self.deliveries = DeliveryLedger(uow, clock)
        self._steps: dict[str, Step] = {
            Action.ACKNOWLEDGE: self._acknowledge,
            Action.RECORD_CALLBACK: self._record_callback,
            Action.RECORD_OUTCOME: self._record_outcome,
            Action.DISPUTE: self._dispute,
            Action.REVIEW: self._review,
            Action.WITHDRAW: self._withdraw,
            Action.CLOSE: self._close,
            Action.REASSIGN: self._reassign,
            Action.COMPLETE_CHECKLIST: self._complete_checklist,
            Action.CHANGE_SERVICE: self._change_service,
        }

    @property
    def verbs(self) -> frozenset[str]:
        """Every verb `perform` understands."""
        return frozenset(self._steps)

    def out_of_hours(self, at: datetime) -> bool:
        """Whether a moment falls outside the council's working time."""
        return not self._policy.calendar.is_working_time(at)

    def available_actions(self, consultation: Consultation, person: StaffPerson) -> frozenset[str]:
        """The verbs this person may perform now, as `perform` understands them."""
        allowed = consultation.allowed_actions(person.actor()) & self.verbs
        if Action.RECORD_CALLBACK in allowed:
            # `perform` records the call-back along with the outcome when it is still missing.
            allowed |= {Action.RECORD_OUTCOME}
        return frozenset(allowed)

    async def open_from_post(
        self,
        requester: StaffPerson,
        *,
        channel_id: str,
        thread_id: str,
        urgent: bool,
        service: str | None = None,
    ) -> Opened:
        """Open a request for a new channel post and assign it to the duty manager; it is filed
        under `service` (a profile key the post names) or else the requester's own."""
        filed = service if service in self._policy.services else requester.service
        now = self._clock.now()
        away = await self._away(now)  # asked before the transaction: no lock waits on Graph
        try:
            opened = await self._open_post(
                requester, filed, channel_id, thread_id, urgent, now, away
            )
        except ConnectionLost:
            # A database restart mid-turn: nothing was kept, or (a drop during COMMIT) the
            # request exists and the retry finds it by its thread. Either way, once more.
            log.warning("consultation.reconnect", extra={"activity_id": thread_id})
            opened = await self._open_post(
                requester, filed, channel_id, thread_id, urgent, now, away
            )
        if opened.created:
            log.info("consultation.opened", extra={"consultation_id": opened.consultation.id})
        return opened

    async def _open_post(
        self,
        requester: StaffPerson,
        service: str | None,
        channel_id: str,
        thread_id: str,
        urgent: bool,
        now: datetime,
        away: frozenset[str],
    ) -> Opened:
        async with self._uow() as uow:
            existing = await uow.consultations.id_for_thread(channel_id, thread_id)
            if existing is not None:
                found = await uow.consultations.get(existing)
                placement = await uow.consultations.placement(existing)
                assert found is not None and placement is not None
                if placement.card_activity_id is not None:
                    return Opened(found, created=False)
                return Opened(found, False, await claim_card(uow, existing, self._clock))
            due = self._policy.deadlines(now)
            consultation = Consultation.submit(
                reference=await uow.consultations.next_reference(now.year),
                requester=requester.actor(),
                service=self._policy.service_name(service),
                urgency=Urgency.URGENT if urgent else Urgency.STANDARD,
                indicators=(),
                checklist=None,
                at=now,
                acknowledge_due=due.acknowledge_due,
                callback_due=due.callback_due,
            )
            consultation.assign(await self._duty_manager(uow, now, away), at=now)
            await uow.consultations.add(
                consultation, Placement(channel_id, thread_id, None, source="post")
            )
            deliveries = await enqueue_opening(uow, consultation, self._clock)
        return Opened(consultation, True, deliveries)

    async def open_from_form(
        self, requester: StaffPerson, form: RequestForm, *, channel_id: str
    ) -> Opened:
        """Open a request from the structured form; its thread (leased to the caller to post)
        is in the outbox, so the scheduler posts it if the caller cannot."""
        validate_indicators(
            form.indicators,
            known=self._policy.indicators,
            reduces_safety_indicator=self._policy.reduces_safety_indicator,
        )
        if not form.checklist.complete:
            raise InvalidRequest(
                "Please confirm all three checklist items: the process asks for them before "
                "a consultation is requested.",
                code="incomplete",
            )
        if form.service not in self._policy.services:
            raise InvalidRequest("Choose your service from the list.", code="unknown_service")
        now = self._clock.now()
        away = await self._away(now)  # asked before the transaction: no lock waits on Graph
        async with self._uow() as uow:
            due = self._policy.deadlines(now)
            consultation = Consultation.submit(
                reference=await uow.consultations.next_reference(now.year),
                requester=requester.actor(),
                service=self._policy.service_name(form.service),
                urgency=Urgency.URGENT if form.urgent else Urgency.STANDARD,
                indicators=form.indicators,
                checklist=form.checklist,
                at=now,
                acknowledge_due=due.acknowledge_due,
                callback_due=due.callback_due,
            )
            consultation.assign(await self._duty_manager(uow, now, away), at=now)
            await uow.consultations.add(
                consultation, Placement(channel_id, None, None, source="form")
            )
            deliveries = await enqueue_thread(uow, consultation, self._clock)
        log.info("consultation.opened", extra={"consultation_id": consultation.id})
        return Opened(consultation, True, deliveries)

    def indicators_from_choices(self, value: object) -> list[str]:
        """Indicator names from a card's choice values (their positions in the profile)."""
        return self._indicators(value)

    async def record_screening(self, channel_id: str, thread_id: str, types: list[str]) -> bool:
        """Note on the thread's request that a post in it held personal data (types only)."""
        for _attempt in range(_RETRIES):
            async with self._uow() as uow:
                found = await uow.consultations.id_for_thread(channel_id, thread_id)
                consultation = await uow.consultations.get(found) if found else None
                if consultation is None or not consultation.is_open:
                    return False
                read_version = consultation.version
                consultation.record_screening(
                    "personal_data_found", at=self._clock.now(), data={"types": ",".join(types)}
                )
                try:
                    await uow.consultations.save(consultation, read_version=read_version)
                except ConcurrentUpdateError:
                    continue
            return True
        return False

    async def follow_rota(self, statuses: Collection[str]) -> int:
        """The weekly hand-over (and covers, and absences): requests in `statuses` that the duty
        rota gave out and nobody has taken on go to whoever is on duty now; both are told, the
        card follows. Requests a person took on or gave to someone stay. Returns how many moved.

        The duty manager is worked out once per call; only requests not already with them are
        locked, and each is checked again inside its own transaction (`for_update`, the version
        read), so two ticking instances, or a manager pressing at the same moment, move it once.
        """
        async with self._uow(read_only=True) as uow:
            untaken = await uow.consultations.untaken(statuses)
        if not untaken:
            return 0
        now = self._clock.now()
        away = await self._away(now)  # asked before the transactions: no lock waits on Graph
        try:
            async with self._uow(read_only=True) as uow:
                duty = await self._duty_manager(uow, now, away)
        except DomainError as refused:  # e.g. nobody on the rota: they stay, and it says why
            log.warning("handover.not_moved", extra={"error_code": refused.code})
            return 0
        moved = 0
        for consultation_id, assignee_id in untaken:
            if assignee_id == duty:
                continue  # already with the duty manager: nothing to lock or move
            try:
                moved += await self._follow_rota_once(consultation_id, statuses, now, duty)
            except (ConcurrentUpdateError, ConnectionLost):
                log.info("handover.retry_next_tick", extra={"consultation_id": consultation_id})
            except DomainError as refused:
                log.warning(
                    "handover.not_moved",
                    extra={"consultation_id": consultation_id, "error_code": refused.code},
                )
        return moved

    async def _follow_rota_once(
        self,
        consultation_id: str,
        statuses: Collection[str],
        now: datetime,
        duty: str,
    ) -> int:
        async with self._uow() as uow:
            c = await uow.consultations.get(consultation_id, for_update=True)
            if c is None or c.status.value not in statuses or not c.held_by_rota:
                return 0
            if duty in (c.assignee_id, c.requester_id):
                return 0
            read_version, previous = c.version, c.assignee_id
            c.hand_over(duty, at=now)
            await enqueue_owner_change(uow, c, previous, at=now)
            await uow.outbox.add_once(
                c.id, f"card:{c.version}", MessageKind.CARD_UPDATE.value, CARD, at=now
            )
            await uow.consultations.save(c, read_version=read_version)
        log.info("handover.moved", extra={"consultation_id": consultation_id})
        return 1

    async def remember_thread(self, consultation_id: str, thread_id: str) -> None:
        """The bot posted the request as a new thread: its message is both thread and card."""
        async with self._uow() as uow:
            await uow.consultations.set_thread(consultation_id, thread_id)

    async def remember_card(self, consultation_id: str, card_activity_id: str) -> None:
        """Store the id of the bot's card so later actions can update it in place."""
        async with self._uow() as uow:
            await uow.consultations.set_card(consultation_id, card_activity_id)

    async def get(self, consultation_id: str) -> tuple[Consultation, Placement] | None:
        """A consultation and where it lives, or None."""
        async with self._uow(read_only=True) as uow:
            consultation = await uow.consultations.get(consultation_id)
            placement = await uow.consultations.placement(consultation_id)
        if consultation is None or placement is None:
            return None
        return consultation, placement

    async def placement(self, consultation_id: str) -> Placement | None:
        """Where a consultation lives (its thread and card), without reading its history."""
        async with self._uow(read_only=True) as uow:
            return await uow.consultations.placement(consultation_id)

    async def perform(
        self, consultation_id: str, person: StaffPerson, verb: str, inputs: Mapping[str, object]
    ) -> ActionResult:
        """Apply `verb` for `person`; refusals come back as results, never as exceptions."""
        step = self._steps.get(verb)
        if step is None:
            return ActionResult(None, False, "This action is not available.")
        for _attempt in range(_RETRIES):
            try:
                return await self._perform_once(consultation_id, person.actor(), step, inputs)
            except (ConcurrentUpdateError, ConnectionLost):
                # Safe to repeat: the action is checked again against the state as stored, so
                # one that did commit before a dropped connection comes back "already done".
                log.info("consultation.retry", extra={"consultation_id": consultation_id})
        return ActionResult(None, False, "The request is busy; please try again.")

    async def _perform_once(
        self, consultation_id: str, actor: Actor, step: Step, inputs: Mapping[str, object]
    ) -> ActionResult:
        async with self._uow() as uow:
            consultation = await uow.consultations.get(consultation_id, for_update=True)
            if consultation is None:
                return ActionResult(None, False, "This request no longer exists.")
            read_version = consultation.version
            try:
                message = await step(uow, consultation, actor, inputs)
            except AlreadyDone as done:
                return ActionResult(consultation, False, done.message, done)
            except DomainError as refused:
                log.info(
                    "consultation.refused",
                    extra={"consultation_id": consultation_id, "error_code": refused.code},
                )
                return ActionResult(consultation, False, refused.message, refused)
            await uow.consultations.save(consultation, read_version=read_version)
        return ActionResult(consultation, True, message)

    # --- steps ------------------------------------------------------------------------------

    async def _acknowledge(
        self, uow: UnitOfWork, c: Consultation, actor: Actor, _: Mapping[str, object]
    ) -> str:
        c.acknowledge(actor, at=self._clock.now())
        return f"Acknowledged {c.reference}. Please call the requester back."

    async def _record_callback(
        self, uow: UnitOfWork, c: Consultation, actor: Actor, _: Mapping[str, object]
    ) -> str:
        c.record_callback(actor, at=self._clock.now())
        return f"Call-back recorded for {c.reference}."

    async def _record_outcome(
        self, uow: UnitOfWork, c: Consultation, actor: Actor, inputs: Mapping[str, object]
    ) -> str:
        outcome = _outcome(inputs.get("outcome"))
        area_team = _text(inputs.get("areaTeam"))
        contact_created = checked(inputs.get("contactCreated"))
        now = self._clock.now()
        if c.status is Status.ACKNOWLEDGED:
            # Recording an outcome means the call happened; record it rather than ask twice.
            c.record_callback(actor, at=now)
        c.record_outcome(
            actor, outcome, area_team=area_team, contact_created=contact_created, at=now
        )
        return f"Outcome recorded for {c.reference}."

    async def _dispute(
        self, uow: UnitOfWork, c: Consultation, actor: Actor, _: Mapping[str, object]
    ) -> str:
        now = self._clock.now()
        c.dispute(actor, at=now)
        if c.review_level == 1:
            reviewer = await self._level_one_reviewer(uow, c, now)
            if reviewer is None:
                return "Dispute recorded; no other MAP team manager is available to review it."
            c.assign_reviewer(reviewer.actor(), at=now)
            return f"Dispute recorded; {reviewer.name} will review the decision."
        return "Dispute recorded; the service managers will review the decision."

    async def _review(
        self, uow: UnitOfWork, c: Consultation, actor: Actor, inputs: Mapping[str, object]
    ) -> str:
        upheld = checked(inputs.get("upheld"))
        outcome = None if upheld else _outcome(inputs.get("outcome"))
        c.review(
            actor,
            upheld=upheld,
            outcome=outcome,
            area_team=_text(inputs.get("areaTeam")),
            contact_created=checked(inputs.get("contactCreated")),
            at=self._clock.now(),
        )
        return f"Review recorded for {c.reference}."

    async def _withdraw(
        self, uow: UnitOfWork, c: Consultation, actor: Actor, _: Mapping[str, object]
    ) -> str:
        c.withdraw(actor, at=self._clock.now())
        return f"{c.reference} withdrawn."

    async def _close(
        self, uow: UnitOfWork, c: Consultation, actor: Actor, _: Mapping[str, object]
    ) -> str:
        c.close(actor, at=self._clock.now())
        return f"{c.reference} closed."

    async def _reassign(
        self, uow: UnitOfWork, c: Consultation, actor: Actor, inputs: Mapping[str, object]
    ) -> str:
        target = await self._directory.by_id(_text(inputs.get("assigneeId")) or "")
        if target is None:
            raise InvalidRequest("Choose someone from the MAP team.", code="unknown_assignee")
        previous, now = c.assignee_id, self._clock.now()
        c.reassign(actor, target.id, at=now)
        await enqueue_owner_change(uow, c, previous, at=now)
        return f"{c.reference} reassigned to {target.name}."

    async def _change_service(
        self, uow: UnitOfWork, c: Consultation, actor: Actor, inputs: Mapping[str, object]
    ) -> str:
        key = _text(inputs.get("service"))
        if key is None or key not in self._policy.services:
            # Only the council's services: the name is shown on the channel card in clear.
            raise InvalidRequest("Choose the service from the list.", code="unknown_service")
        c.change_service(actor, key, self._policy.service_name(key), at=self._clock.now())
        return f"{c.reference} is now filed under {c.service}."

    async def _complete_checklist(
        self, uow: UnitOfWork, c: Consultation, actor: Actor, inputs: Mapping[str, object]
    ) -> str:
        indicators = self._indicators(inputs.get("indicators"))
        validate_indicators(
            indicators,
            known=self._policy.indicators,
            reduces_safety_indicator=self._policy.reduces_safety_indicator,
        )
        c.complete_checklist(
            actor, checklist_from(inputs), at=self._clock.now(), indicators=indicators
        )
        return f"Checklist saved for {c.reference}."

    # --- helpers ----------------------------------------------------------------------------

    async def _rota(self, uow: UnitOfWork) -> Rota:
        # Read in the same transaction: SQLite's one writer would wait on a second connection.
        return with_covers(self._policy.rota, await uow.covers.covers(self._clock.now()))

    def _indicators(self, value: object) -> list[str]:
        """Indicator names from the card's choice values (their positions in the profile)."""
        names = []
        for choice in _choices(value):
            if not choice.isdigit() or int(choice) >= len(self._policy.indicators):
                raise InvalidRequest("One indicator is not on the list.", code="unknown_indicator")
            names.append(self._policy.indicators[int(choice)])
        return names

    async def _away(self, at: datetime) -> frozenset[str]:
        """MAP workers with automatic replies on (Graph); nobody when that is not known."""
        if self._availability is None:
            return frozenset()
        workers = await self._directory.with_role(Role.MAP_TEAM_MANAGER)
        workers += await self._directory.with_role(Role.MAP_ADVANCED_PRACTITIONER)
        return await self._availability.away({p.id for p in workers}, at)

    async def _duty_manager(
        self, uow: UnitOfWork, at: datetime, away: frozenset[str] = frozenset()
    ) -> str:
        managers = await self._directory.with_role(Role.MAP_TEAM_MANAGER)
        known = {p.id for p in await self._directory.everyone()}
        rota = await self._rota(uow)
        responders = rota.responders(
            at,
            available=lambda person_id: person_id in known and person_id not in away,
            all_managers=[m.id for m in managers],
        )
        if not responders:
            raise InvalidRequest("No MAP team manager is configured.", code="no_manager")
        return responders[0]

    async def _level_one_reviewer(
        self, uow: UnitOfWork, c: Consultation, at: datetime
    ) -> StaffPerson | None:
        managers = await self._directory.with_role(Role.MAP_TEAM_MANAGER)
        excluded = {c.requester_id, c.decided_by, c.assignee_id}
        candidates = [m for m in managers if m.id not in excluded]
        on_duty = (await self._rota(uow)).on_duty(at).primary
        candidates.sort(key=lambda m: m.id != on_duty)
        return candidates[0] if candidates else None


def checked(value: object) -> bool:
    """A card toggle's value (Adaptive Cards send "true"/"false" strings)."""
    return value in (True, "true")


def checklist_from(inputs: Mapping[str, object]) -> Checklist:
    """The three checklist toggles of a request or checklist form."""
    return Checklist(
        supervision_recorded=checked(inputs.get("supervision")),
        evidence_recorded=checked(inputs.get("evidence")),
        rationale_on_ehm=checked(inputs.get("rationale")),
    )


def _outcome(value: object) -> Outcome:
    try:
        return Outcome(str(value))
    except ValueError:
        raise InvalidRequest("Choose an outcome.", code="no_outcome") from None


def _text(value: object) -> str | None:
    if isinstance(value, str) and value.strip():
        return value.strip()
    return None


def _choices(value: object) -> list[str]:
    # Adaptive Card multi-selects arrive as one comma-separated string of choice values.
    if isinstance(value, str):
        return [part.strip() for part in value.split(",") if part.strip()]
    if isinstance(value, list) and all(isinstance(v, str) for v in value):
        return list(value)
    return []
