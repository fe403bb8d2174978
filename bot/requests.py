"""Step-up requests in Teams: a channel post opens one; card buttons move it along."""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable, Mapping
from typing import Any

from botbuilder.core import CardFactory, MessageFactory, TurnContext

from bot import invokes
from bot.inbound import Inbound
from bot.messenger import Messenger, NoRoute
from bot.people import sender_key, sender_of
from bot.texts import out_of_hours_text
from bot.views import ViewBuilder
from cards.common import VERB_OPEN_FORM, VERB_REFRESH, VERB_SUBMIT_REQUEST
from cards.details import (
    VERB_CANCEL_DETAILS,
    VERB_DETAILS_IN_CHAT,
    VERB_PROVIDE_DETAILS,
    VERB_VIEW_DETAILS,
)
from cards.forms import (
    CONFIRMED,
    outcome_form,
    posted_notice,
    reassign_form,
    request_form,
    review_form,
    service_form,
    withdraw_confirmation,
)
from cards.links import thread_link
from dialogs.details_flow import DetailsDialog
from domain.consultation import Consultation, Urgency
from domain.errors import DomainError, InvalidRequest, NotAllowed
from domain.escalation import MessageKind
from domain.lifecycle import Action
from domain.named_service import service_named_in
from domain.roles import Role
from domain.urgency import is_urgent
from observability import metrics
from profiles.schema import Profile
from services.consultations import (
    ConsultationService,
    RequestForm,
    checked,
    checklist_from,
)
from services.directory import Directory, StaffPerson
from services.pacing import throttled
from services.ports import OutboxMessage

log = logging.getLogger(__name__)

PersonHandler = Callable[[StaffPerson | None, Mapping[str, Any]], Awaitable[dict[str, Any]]]

_FORMS = {
    Action.RECORD_OUTCOME,
    Action.REVIEW,
    Action.REASSIGN,
    Action.COMPLETE_CHECKLIST,
    Action.CHANGE_SERVICE,
}


class RequestFlow:
    """Glue between Teams activities, the consultation use cases and the cards."""

    def __init__(
        self,
        service: ConsultationService,
        directory: Directory,
        messenger: Messenger,
        profile: Profile,
        views: ViewBuilder,
        details: DetailsDialog | None = None,
    ) -> None:
        self._details = details
        self._service = service
        self._directory = directory
        self._messenger = messenger
        self._profile = profile
        self._views = views

    def card_verbs(self) -> dict[str, invokes.CardHandler]:
        """The Action.Execute verbs this flow answers."""
        verbs: dict[str, invokes.CardHandler] = {
            VERB_REFRESH: self._refresh,
            VERB_OPEN_FORM: self._open_form,
            VERB_SUBMIT_REQUEST: self._submit_request,
        }
        for verb in self._service.verbs:
            verbs[verb] = self._performer(verb)
        if self._details is not None:
            details = self._details
            verbs[VERB_PROVIDE_DETAILS] = self._with_person(details.submit_card, "details.give")
            verbs[VERB_DETAILS_IN_CHAT] = self._with_person(details.to_chat, "details.open")
            verbs[VERB_CANCEL_DETAILS] = self._with_person(details.cancel)
            verbs[VERB_VIEW_DETAILS] = self._with_person(details.view, "details.view")
        return verbs

    def _with_person(self, handler: PersonHandler, audit: str | None = None) -> invokes.CardHandler:
        async def call(turn_context: TurnContext, data: Mapping[str, Any]) -> dict[str, Any]:
            person = await self._person(turn_context)
            if person is None and audit is not None and self._details is not None:
                await self._details.refuse_unknown(sender_key(turn_context), data, audit)
            return await handler(person, data)

        return call

    # --- the channel post -------------------------------------------------------------------

    async def on_channel_post(self, turn_context: TurnContext, inbound: Inbound) -> None:
        """A requester's top-level post becomes a request; anyone else's is only screened."""
        person = await self._person(turn_context)
        if person is None or Role.REQUESTER not in person.roles:
            log.info("post.not_a_request", extra={"activity_id": inbound.message_id})
            return
        assert inbound.channel_id and inbound.message_id
        text = turn_context.activity.text or ""
        opened = await self._service.open_from_post(
            person,
            channel_id=inbound.channel_id,
            thread_id=inbound.message_id,
            urgent=is_urgent(text),
            service=service_named_in(text, {s.key: s.name for s in self._profile.services}),
        )
        consultation = opened.consultation
        card = opened.deliveries.of(MessageKind.THREAD_CARD)
        if not opened.created:
            log.info("post.redelivered", extra={"consultation_id": consultation.id})
            if card is not None:  # the first try failed: this redelivery is a second chance
                await self._post_card(turn_context, consultation, card, opened.deliveries.token)
            return
        metrics.current().requests_opened.add(1, {"source": "post"})
        if card is not None:
            await self._post_card(turn_context, consultation, card, opened.deliveries.token)
        if self._service.out_of_hours(consultation.posted_at):
            await self._say(turn_context, out_of_hours_text(self._profile))
        checklist = opened.deliveries.of(MessageKind.CHECKLIST)
        if checklist is not None:
            await self._send_checklist(person, consultation, checklist, opened.deliveries.token)
        if self._details is not None and not self._ask_on_ack:
            await self._details.ask(consultation)

    async def _post_card(
        self,
        turn_context: TurnContext,
        consultation: Consultation,
        message: OutboxMessage,
        token: str,
    ) -> None:
        """Reply in the thread with the request card; a failure leaves it to the scheduler."""
        activity = MessageFactory.attachment(
            CardFactory.adaptive_card(await self._views.thread_card(consultation))
        )

        async def send() -> str | None:
            sent = await turn_context.send_activity(activity)
            return sent.id if sent is not None else None

        card_id = await self._attempt(send, message, token)
        if card_id:
            version = await self._service.deliveries.card_posted(consultation.id, card_id, message)
            await self._views.catch_up(consultation, version)

    async def _send_checklist(
        self, person: StaffPerson, consultation: Consultation, message: OutboxMessage, token: str
    ) -> None:
        """The private checklist; a failure leaves it to the scheduler, not an apology."""
        card = self._views.checklist_card(consultation)
        if await self._attempt(lambda: self._messenger.send_private(person, card), message, token):
            await self._service.deliveries.sent(message)

    async def _attempt(
        self, send: Callable[[], Awaitable[str | None]], message: OutboxMessage, token: str
    ) -> str | None:
        """Send a leased outbox message now; the sent activity's id, or None when the send
        failed or Teams gave no id, in which case the scheduler's next tick has it instead."""
        try:
            sent_id = await send()
        except Exception as error:  # noqa: BLE001 - NoRoute or any connector failure alike
            await self._service.deliveries.failed(
                message, token, type(error).__name__, counted=not throttled(error)
            )
            return None
        if not sent_id:
            await self._service.deliveries.failed(message, token, "NoActivityId")
            return None
        return sent_id

    async def _say(self, turn_context: TurnContext, text: str) -> None:
        """A courtesy reply in the thread: not worth failing the turn over."""
        try:
            await turn_context.send_activity(text)
        except Exception as error:  # noqa: BLE001 - logged by class; the request is safe
            log.warning("reply.not_sent", extra={"error_type": type(error).__name__})

    async def record_screening(self, channel_id: str, thread_id: str, types: list[str]) -> None:
        """Put the screening (types only) on the thread's request, if it has one."""
        await self._service.record_screening(channel_id, thread_id, types)

    @property
    def _ask_on_ack(self) -> bool:
        return self._profile.timescales.ask_details_on == "acknowledge"

    # --- the structured request ------------------------------------------------------------

    def new_request_form(
        self,
        person: StaffPerson,
        problem: str | None = None,
    ) -> dict[str, Any]:
        """The form a requester fills in to post a request without typing anything."""
        services = [(s.key, s.name) for s in self._profile.services]
        return request_form(
            services,
            self._profile.indicators,
            self._profile.reduces_safety_indicator,
            service=person.service,
            problem=problem,
        )

    async def _submit_request(
        self, turn_context: TurnContext, data: Mapping[str, Any]
    ) -> dict[str, Any]:
        person = await self._person(turn_context)
        if person is None or Role.REQUESTER not in person.roles:
            return invokes.card_message(
                "Only FC/FSP managers, seniors and DSLs registered with the service can post "
                "step-up requests."
            )
        try:
            form = RequestForm(
                service=str(data.get("service") or ""),
                urgent=checked(data.get("urgent")),
                indicators=self._service.indicators_from_choices(data.get("indicators")),
                checklist=checklist_from(data),
            )
            opened = await self._service.open_from_form(
                person, form, channel_id=self._profile.channel.id
            )
        except InvalidRequest as problem:
            return invokes.card_replacement(self.new_request_form(person, problem.message))
        consultation = opened.consultation
        metrics.current().requests_opened.add(1, {"source": "form"})
        thread = opened.deliveries.of(MessageKind.THREAD_CARD)
        thread_id = (
            await self._start_thread(consultation, thread, opened.deliveries.token)
            if thread is not None
            else None
        )
        if self._details is not None and not self._ask_on_ack:
            await self._details.ask(consultation)  # as for a post, when asked on submission
        if not thread_id:
            # The request is saved and assigned, and its thread waits in the outbox: asking the
            # requester to post it again would open a second request.
            return invokes.card_message(
                f"{consultation.reference} is saved and assigned. Teams did not let me post it "
                "in the channel just now; I will post it there shortly. Please don't post it "
                "again."
            )
        return invokes.card_replacement(
            posted_notice(
                consultation.reference,
                self._profile.channel.name,
                self._views.call_back_by(consultation),
                # A link to the live card, not a copy of it: a copy would go stale.
                thread_link(self._profile.channel.id, thread_id, self._profile.team.aad_group_id),
            )
        )

    async def _start_thread(
        self, consultation: Consultation, message: OutboxMessage, token: str
    ) -> str | None:
        """Post the request's card as a new thread (its id); a failure leaves it to the
        scheduler (None)."""
        card = await self._views.thread_card(consultation)
        channel = self._profile.channel.id
        thread_id = await self._attempt(
            lambda: self._messenger.start_thread(channel, card), message, token
        )
        if not thread_id:
            return None
        version = await self._service.deliveries.thread_started(consultation.id, thread_id, message)
        await self._views.catch_up(consultation, version)
        return thread_id

    # --- card buttons -----------------------------------------------------------------------

    async def replaced_card(
        self, turn_context: TurnContext, data: Mapping[str, Any]
    ) -> dict[str, Any] | None:
        """The answer to a press on a superseded request card in the thread, else None.

        Sending a card and recording its id are two steps: when Teams posts the card but its
        answer is lost (a time-out, a crash in between), the card is sent again and the thread
        holds two. Only the recorded one is live; the other's buttons change nothing.
        """
        activity = turn_context.activity
        pressed = activity.reply_to_id
        conversation = activity.conversation.id if activity.conversation else ""
        consultation_id = data.get("consultationId")
        if not pressed or not isinstance(consultation_id, str) or ";messageid=" not in conversation:
            return None  # not a press on a channel card of a request (1:1 copies are not cards)
        # Only where the card is, on every press: the request itself only for the rare answer.
        placement = await self._service.placement(consultation_id[:64])
        if placement is None:
            return None  # the verb's own handler answers for a request that does not exist
        live = placement.card_activity_id
        in_its_thread = conversation.endswith(f";messageid={placement.thread_id}")
        if live is None or not in_its_thread or pressed == live:
            return None
        log.info("card.superseded", extra={"consultation_id": consultation_id})
        found = await self._service.get(consultation_id[:64])
        reference = found[0].reference if found is not None else "this request"
        return invokes.card_message(
            f"This card was replaced by a newer one for {reference} in this thread: "
            "please use the latest card, further down."
        )

    async def _refresh(self, turn_context: TurnContext, data: Mapping[str, Any]) -> dict[str, Any]:
        person, found = await self._load(turn_context, data)
        if person is None or found is None:
            return invokes.card_message("This request no longer exists.")
        return invokes.card_replacement(await self._views.personal_card(found, person))

    async def _open_form(
        self, turn_context: TurnContext, data: Mapping[str, Any]
    ) -> dict[str, Any]:
        person, found = await self._load(turn_context, data)
        form = str(data.get("form", ""))
        if person is None or found is None:
            return invokes.card_message("This request no longer exists.")
        if form not in _FORMS:
            return invokes.card_message("This card is out of date: open the request again.")
        if form not in self._service.available_actions(found, person):
            refused = found.refusal(Action(form), person.actor())
            message = refused.message if refused else "You can't do that on this request now."
            return invokes.card_message(await self._who_can(refused, message))
        return invokes.card_replacement(await self._form(form, found))

    async def _who_can(self, refused: DomainError | None, message: str) -> str:
        """A refusal that names the one person who may, when the domain says who that is."""
        person_id = refused.person_id if isinstance(refused, NotAllowed) else None
        person = await self._directory.by_id(person_id) if person_id else None
        return f"{message} That is {person.name}." if person is not None else message

    def _performer(self, verb: str) -> invokes.CardHandler:
        async def perform(turn_context: TurnContext, data: Mapping[str, Any]) -> dict[str, Any]:
            person = await self._person(turn_context)
            if person is None:
                return invokes.card_message("You are not in the directory of this service.")
            consultation_id = str(data.get("consultationId", ""))
            if not self._known_area_team(data):
                return await self._refuse_area_team(verb, consultation_id)
            if verb == Action.WITHDRAW and data.get(CONFIRMED) != "yes":
                confirm = await self._confirm_withdrawal(person, consultation_id)
                if confirm is not None:
                    return confirm
            result = await self._service.perform(consultation_id, person, verb, data)
            if result.consultation is None:
                return invokes.card_message(result.message)
            if not result.changed:
                if verb in _FORMS and isinstance(result.refused, InvalidRequest):
                    return invokes.card_replacement(
                        await self._form(verb, result.consultation, result.message)
                    )
                return invokes.card_message(await self._who_can(result.refused, result.message))
            _measure(verb, result.consultation)
            await self._after(verb, result.consultation)
            return invokes.card_replacement(
                await self._views.personal_card(result.consultation, person)
            )

        return perform

    async def _confirm_withdrawal(
        self, person: StaffPerson, consultation_id: str
    ) -> dict[str, Any] | None:
        """The "are you sure" card for someone who may withdraw; None lets `perform` refuse."""
        found = await self._service.get(consultation_id)
        if found is None or Action.WITHDRAW not in self._service.available_actions(
            found[0], person
        ):
            return None
        c = found[0]
        return invokes.card_replacement(
            withdraw_confirmation(c.id, c.reference, c.urgency is Urgency.URGENT)
        )

    def _area_teams(self) -> list[str]:
        return sorted({s.area_team for s in self._profile.services if s.area_team})

    def _known_area_team(self, data: Mapping[str, Any]) -> bool:
        """The area team is one of the council's, or none: never free text.

        It is shown on the channel card and stored in clear, so a typed value (a child's name,
        say, sent from a crafted card) must not get through.
        """
        team = data.get("areaTeam")
        if team is None or (isinstance(team, str) and not team.strip()):
            return True
        return isinstance(team, str) and team.strip() in self._area_teams()

    async def _refuse_area_team(self, verb: str, consultation_id: str) -> dict[str, Any]:
        log.info("outcome.unknown_area_team", extra={"consultation_id": consultation_id})
        found = await self._service.get(consultation_id)
        message = "Choose the area team from the list."
        if found is None or verb not in _FORMS:
            return invokes.card_message(message)
        return invokes.card_replacement(await self._form(verb, found[0], message))

    async def _after(self, verb: str, consultation: Consultation) -> None:
        """Update the thread card for everyone; tell whoever must act next."""
        # `consultation` is as the step saved it: only where its card is needs reading.
        placement = await self._service.placement(consultation.id)
        if placement is not None:
            await self._views.refresh_thread(consultation, placement)
        if verb == Action.ACKNOWLEDGE and self._details is not None and self._ask_on_ack:
            await self._details.ask(consultation)
        if verb == Action.DISPUTE and consultation.reviewer_id:
            reviewer = await self._directory.by_id(consultation.reviewer_id)
            if reviewer is not None:
                await self._tell(
                    reviewer,
                    f"You have been asked to review the disputed "
                    f"decision on {consultation.reference}.",
                )

    async def _tell(self, person: StaffPerson, text: str) -> None:
        try:
            await self._messenger.send_private_text(person, text)
        except NoRoute as missing:
            log.warning("notice.not_sent", extra={"error_code": str(missing)})

    async def _form(self, form: str, c: Consultation, problem: str | None = None) -> dict[str, Any]:
        if form == Action.RECORD_OUTCOME:
            return outcome_form(c.id, c.reference, self._area_teams(), problem)
        if form == Action.REVIEW:
            return review_form(c.id, c.reference, self._area_teams(), problem)
        if form == Action.REASSIGN:
            workers = [
                p
                for p in await self._directory.everyone()
                if p.roles & {Role.MAP_TEAM_MANAGER, Role.MAP_ADVANCED_PRACTITIONER}
            ]
            return reassign_form(c.id, c.reference, [(p.id, p.name) for p in workers], problem)
        if form == Action.CHANGE_SERVICE:
            services = [(s.key, s.name) for s in self._profile.services]
            current = next((s.key for s in self._profile.services if s.name == c.service), None)
            return service_form(c.id, c.reference, services, current, problem)
        return self._views.checklist_card(c, problem)

    # --- helpers ----------------------------------------------------------------------------

    async def _person(self, turn_context: TurnContext) -> StaffPerson | None:
        return await sender_of(turn_context, self._directory)

    async def _load(
        self, turn_context: TurnContext, data: Mapping[str, Any]
    ) -> tuple[StaffPerson | None, Consultation | None]:
        person = await self._person(turn_context)
        found = await self._service.get(str(data.get("consultationId", "")))
        return person, found[0] if found else None


def _measure(verb: str, consultation: Consultation) -> None:
    """Count the action; time to acknowledge in minutes (codes only, no text)."""
    instruments = metrics.current()
    instruments.transitions.add(1, {"verb": verb})
    if verb == Action.ACKNOWLEDGE and consultation.acknowledged_at is not None:
        waited = consultation.acknowledged_at - consultation.posted_at
        instruments.time_to_acknowledge.record(waited.total_seconds() / 60)
