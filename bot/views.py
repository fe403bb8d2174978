"""Resolve a consultation's people and render its cards (for the thread, or for one person)."""

from __future__ import annotations

import logging
from typing import Any

from bot.messenger import Messenger, NoRoute
from cards.audit_card import VERB_VIEW_AUDIT
from cards.common import local_time
from cards.details import VERB_PROVIDE_DETAILS, VERB_VIEW_DETAILS
from cards.forms import checklist_form
from cards.request_card import PersonRef, RequestView, request_card
from domain.consultation import Consultation
from domain.roles import Role
from profiles.domain_map import calendar_from_profile
from profiles.schema import Profile
from reports.trail import may_view_audit
from services.consultations import ConsultationService
from services.details import may_see
from services.directory import Directory, StaffPerson
from services.ports import Placement
from services.queue import acknowledge_by

log = logging.getLogger(__name__)


class ViewBuilder:
    """Builds request cards with names from the directory and texts from the profile."""

    def __init__(
        self,
        directory: Directory,
        profile: Profile,
        service: ConsultationService,
        messenger: Messenger,
        *,
        dialogs: bool = True,
    ) -> None:
        self._dialogs = dialogs
        self._directory = directory
        self._profile = profile
        self._service = service
        self._messenger = messenger
        self._calendar = calendar_from_profile(profile)

    async def thread_card(self, consultation: Consultation) -> dict[str, Any]:
        """The card everyone in the channel sees."""
        return request_card(await self._view(consultation))

    async def personal_card(
        self, consultation: Consultation, person: StaffPerson
    ) -> dict[str, Any]:
        """The same card with only the buttons this person may press now."""
        allowed = set(self._service.available_actions(consultation, person))
        if consultation.is_open and person.id == consultation.requester_id:
            allowed.add(VERB_PROVIDE_DETAILS)
        if consultation.details_provided and may_see(consultation, person):
            allowed.add(VERB_VIEW_DETAILS)
        if may_view_audit(person):
            allowed.add(VERB_VIEW_AUDIT)
        view = await self._view(consultation, buttons=frozenset(allowed))
        return request_card(view)

    def call_back_by(self, c: Consultation) -> str:
        """The call-back deadline as texts name it ("Wed 25 Nov 10:00"): from the profile's
        timescales through the request, never a fixed "24 hours"."""
        return local_time(c.callback_due, self._profile.working_hours.timezone)

    def checklist_card(self, c: Consultation, problem: str | None = None) -> dict[str, Any]:
        """The private checklist form the requester completes for a posted request."""
        indicators = self._profile.indicators
        return checklist_form(
            c.id, c.reference, indicators, self._profile.reduces_safety_indicator, problem
        )

    async def catch_up(self, shown: Consultation, stored_version: int | None = None) -> None:
        """The card just posted shows `shown`; bring it up to date if the request moved on.

        A press can land while the turn that posts the card has not stored its id yet: that
        press finds no card to update, so the poster looks again once the id is stored
        (`stored_version`, when the caller has it, saves reading the request for nothing).
        """
        if stored_version is not None and stored_version == shown.version:
            return
        found = await self._service.get(shown.id)
        if found is not None and found[0].version != shown.version:
            await self.refresh_thread(*found)

    async def refresh_thread(
        self, consultation: Consultation, placement: Placement | None = None
    ) -> None:
        """Update the thread card after a change; if Teams refuses, the scheduler does it later.

        The change is already committed, so a throttled or failed update must neither fail the
        person's click nor leave everyone else looking at the old state for good.
        """
        try:
            await self.update_thread(consultation, placement)
        except Exception as error:  # noqa: BLE001 - any connector failure: repaired later
            log.warning(
                "card.not_updated",
                extra={"consultation_id": consultation.id, "error_type": type(error).__name__},
            )
            await self._service.deliveries.card_stale(consultation)

    async def update_thread(
        self, consultation: Consultation, placement: Placement | None = None
    ) -> None:
        """Replace the thread card for everyone after a change; a connector error is raised.

        `placement`: where the card is, when the caller has just read it with `consultation`
        (saves reading the request again for every card update the outbox sends).
        """
        if placement is None:
            found = await self._service.get(consultation.id)
            if found is None:
                return
            placement = found[1]
        if not (placement.channel_id and placement.thread_id and placement.card_activity_id):
            log.info("card.no_placement", extra={"consultation_id": consultation.id})
            return
        try:
            await self._messenger.update_in_thread(
                placement.channel_id,
                placement.thread_id,
                placement.card_activity_id,
                await self.thread_card(consultation),
            )
        except NoRoute as missing:
            log.warning(
                "card.not_updated",
                extra={"consultation_id": consultation.id, "error_code": str(missing)},
            )

    async def _view(self, c: Consultation, buttons: frozenset[str] | None = None) -> RequestView:
        ids = {c.requester_id, c.assignee_id, c.reviewer_id, c.decided_by}
        ids |= {e.actor_id for e in c.events}
        ids |= {v for e in c.events for k, v in e.data.items() if k.endswith("_id")}
        people: dict[str, PersonRef] = {}
        for person_id in filter(None, ids):
            person = await self._directory.by_id(person_id)
            if person is not None:
                people[person.id] = PersonRef(person.id, person.name, person.email, person.teams_id)
        workers = await self._directory.everyone()
        viewers = [people[c.requester_id].teams_id] if c.requester_id in people else []
        viewers += [
            p.teams_id
            for p in workers
            if p.roles & {Role.MAP_TEAM_MANAGER, Role.MAP_ADVANCED_PRACTITIONER}
        ]
        return RequestView(
            consultation=c,
            people=people,
            timezone=self._profile.working_hours.timezone,
            police_note=self._profile.contacts.police,
            assessment_phone=self._assessment_phone(c.service),
            viewers=tuple(v for v in viewers if v),
            buttons=buttons,
            dialogs=self._dialogs,
            acknowledge_by=acknowledge_by(
                c.urgency,
                c.posted_at,
                c.acknowledge_due,
                self._calendar,
                self._profile.timescales.urgent_ack_working_minutes,
            ),
        )

    def _assessment_phone(self, service_name: str) -> str | None:
        area = next((s.area_team for s in self._profile.services if s.name == service_name), None)
        team = next((t for t in self._profile.contacts.assessment_teams if t.name == area), None)
        return f"{team.name}, {team.phone}" if team else None
