"""Drives the private-details dialog through its states, in a Teams dialog or the 1:1 chat."""

from __future__ import annotations

import logging
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from bot import invokes
from bot.messenger import Messenger, NoRoute
from bot.views import ViewBuilder
from cards.details import (
    details_cancelled,
    details_form,
    details_saved,
    private_details,
)
from dialogs.details_dialog import DIALOG, DialogError, State, Step, next_state
from domain.consultation import Consultation
from services.clock import Clock
from services.deliveries import DeliveryLedger
from services.details import DetailsService, typed_values
from services.directory import Directory, StaffPerson

log = logging.getLogger(__name__)

_TITLE = "Case details (private)"
_THANKS = "Thank you: the details are saved privately. The duty manager will call you back by {}."


@dataclass(frozen=True)
class _Sent:
    """What a submission led to: a message, the form again, or the saved request's reference."""

    message: str = ""
    form: dict[str, Any] | None = None
    saved: str | None = None
    call_back_by: str = ""


class DetailsDialog:
    """One dialog, two ways in; every step reads and writes its state in the database."""

    def __init__(
        self,
        service: DetailsService,
        directory: Directory,
        messenger: Messenger,
        views: ViewBuilder,
        clock: Clock,
        deliveries: DeliveryLedger | None = None,
    ) -> None:
        self._deliveries = deliveries
        self._service = service
        self._directory = directory
        self._messenger = messenger
        self._views = views
        self._clock = clock

    # --- starting -----------------------------------------------------------------------------

    async def ask(self, consultation: Consultation) -> None:
        """Send the requester the form in the 1:1 chat, on the trail first; never fails the turn.

        Called after the acknowledgement or the submission (profile `timescales.ask_details_on`).
        The details_requested event is committed before the message goes, so a send that fails
        still shows the ask; calling again (a resend) sends the form again but records nothing
        new while the ask is unanswered. The dialog keeps its state and typed values on a resend.
        """
        requester = await self._directory.by_id(consultation.requester_id)
        if requester is None or consultation.details_provided:
            return
        assignee = (
            await self._directory.by_id(consultation.assignee_id)
            if consultation.assignee_id
            else None
        )
        # BUSY (not recorded after every retry, logged) still sends: the ask matters more.
        if not (await self._service.record_ask(consultation.id, assignee)).send:
            return
        values: Mapping[str, str] = {}
        try:
            if await self._move(consultation.id, requester, Step.ASK) is not State.ASKED:
                return  # the dialog says the details were given
        except DialogError:
            # The form is already with them (asked, or being filled in): a resend of the same
            # ask, or the requester opened it from the channel card first. Send it again and
            # leave the dialog where it is, typed values included.
            draft = await self._service.draft(consultation.id, requester)
            if draft is not None and draft.state == State.EDITING:
                values = draft.values
        form = details_form(
            consultation.id, consultation.reference, values=values, errors={}, for_dialog=False
        )
        try:
            await self._messenger.send_private(requester, form)
        except Exception as error:  # noqa: BLE001 - NoRoute or a connector failure alike
            # The ask is on the trail already, and must not fail the turn; the scheduler sends
            # the form later (the requester can also use the channel card meanwhile).
            log.warning(
                "details.not_asked",
                extra={"consultation_id": consultation.id, "error_type": type(error).__name__},
            )
            if self._deliveries is not None:
                await self._deliveries.ask_later(consultation)

    # --- the Teams dialog (task/fetch, task/submit) ---------------------------------------

    async def fetch(self, person: StaffPerson | None, data: Mapping[str, Any]) -> dict[str, Any]:
        """Open the dialog; only the requester may."""
        consultation, refusal = await self._requester_only(person, data, audit="details.open")
        if refusal is not None or consultation is None or person is None:
            return invokes.task_message(refusal or "This request no longer exists.")
        state = await self._move(consultation.id, person, Step.OPEN)
        draft = await self._service.draft(consultation.id, person)
        values = draft.values if draft is not None and state is State.EDITING else {}
        form = details_form(
            consultation.id, consultation.reference, values=values, errors={}, for_dialog=True
        )
        return invokes.task_card(_TITLE, form)

    async def submit_task(
        self, person: StaffPerson | None, data: Mapping[str, Any]
    ) -> dict[str, Any]:
        """The dialog's Send: store, or show the form again with the reasons."""
        sent = await self._submit(person, data, for_dialog=True)
        if sent.form is not None:
            return invokes.task_card(_TITLE, sent.form)
        return invokes.task_message(
            _THANKS.format(sent.call_back_by) if sent.saved else sent.message
        )

    # --- the 1:1 chat (Action.Execute) ----------------------------------------------------

    async def to_chat(self, person: StaffPerson | None, data: Mapping[str, Any]) -> dict[str, Any]:
        """The channel button where dialogs do not open: the form to the 1:1 chat, and say so.

        The same steps as opening the dialog (only the requester; the dialog's state and typed
        values kept), so the chat form that arrives is the one the dialog would have shown.
        """
        consultation, refusal = await self._requester_only(person, data, audit="details.open")
        if refusal is not None or consultation is None or person is None:
            return invokes.card_message(refusal or "This request no longer exists.")
        try:
            state = await self._move(consultation.id, person, Step.OPEN)
        except DialogError:  # a card from before the details were sent
            return invokes.card_message("The details for this request were already sent.")
        draft = await self._service.draft(consultation.id, person)
        values = draft.values if draft is not None and state is State.EDITING else {}
        form = details_form(
            consultation.id, consultation.reference, values=values, errors={}, for_dialog=False
        )
        try:
            await self._messenger.send_private(person, form)
        except Exception as error:  # noqa: BLE001 - NoRoute or a connector failure alike
            log.warning(
                "details.not_sent_to_chat",
                extra={"consultation_id": consultation.id, "error_type": type(error).__name__},
            )
            return invokes.card_message(
                "The details form could not be sent to your 1:1 chat with the bot just now. "
                "Please press Provide details privately again in a minute."
            )
        return invokes.card_message(
            f"The details form for {consultation.reference} is in your 1:1 chat with the bot "
            "(private): fill it in there."
        )

    async def submit_card(
        self, person: StaffPerson | None, data: Mapping[str, Any]
    ) -> dict[str, Any]:
        """The chat form's Send."""
        sent = await self._submit(person, data, for_dialog=False)
        if sent.form is not None:
            return invokes.card_replacement(sent.form)
        if sent.saved:
            return invokes.card_replacement(details_saved(sent.saved, sent.call_back_by))
        return invokes.card_message(sent.message)

    async def cancel(self, person: StaffPerson | None, data: Mapping[str, Any]) -> dict[str, Any]:
        """Stop without saving anything."""
        consultation, refusal = await self._requester_only(person, data)
        if refusal is not None or consultation is None or person is None:
            return invokes.card_message(refusal or "This request no longer exists.")
        try:
            await self._move(consultation.id, person, Step.CANCEL)
        except DialogError:
            return invokes.card_message("The details were already sent; nothing to cancel.")
        return invokes.card_replacement(details_cancelled(consultation.reference))

    async def view(self, person: StaffPerson | None, data: Mapping[str, Any]) -> dict[str, Any]:
        """Send the details to the person's 1:1 chat if they may see them (audited)."""
        if person is None:
            return invokes.card_message("You are not in the directory of this service.")
        access = await self._service.view(str(data.get("consultationId", "")), person)
        if access.consultation is None:
            return invokes.card_message("This request no longer exists.")
        if not access.allowed:
            return invokes.card_message("You can't see the private details of this request.")
        card = private_details(
            access.consultation.id,
            access.consultation.reference,
            access.details,
            access.earlier_referrals,
        )
        try:
            await self._messenger.send_private(person, card)
        except NoRoute:
            return invokes.card_message("I could not reach your 1:1 chat with the bot.")
        return invokes.card_message("I've sent the details to you in a private chat.")

    async def refuse_unknown(
        self, sender_id: str | None, data: Mapping[str, Any], action: str
    ) -> None:
        """Someone outside the directory tried `action`: refused by the caller, on record here."""
        if sender_id:
            consultation_id = str(data.get("consultationId", ""))
            await self._service.audit_refusal(consultation_id, sender_id, action)

    # --- shared steps -----------------------------------------------------------------------

    async def _submit(
        self, person: StaffPerson | None, data: Mapping[str, Any], *, for_dialog: bool
    ) -> _Sent:
        consultation, refusal = await self._requester_only(person, data, audit="details.give")
        if refusal is not None or consultation is None or person is None:
            return _Sent(refusal or "This request no longer exists.")
        draft = await self._service.draft(consultation.id, person)
        current = State(draft.state) if draft is not None else None
        try:
            accepted = next_state(current, Step.ACCEPT) if current else State.SUBMITTED
            refused = next_state(current, Step.REFUSE) if current else State.EDITING
        except DialogError:  # e.g. cancelled: sending again simply reopens it
            accepted, refused = State.SUBMITTED, State.EDITING
        result = await self._service.submit(
            consultation.id,
            person,
            data,
            dialog=DIALOG,
            accepted_state=accepted,
            refused_state=refused,
        )
        if result.errors:
            form = details_form(
                consultation.id,
                consultation.reference,
                values=typed_values(data),
                errors=result.errors,
                for_dialog=for_dialog,
            )
            return _Sent(form=form)
        if not result.saved or result.consultation is None:
            return _Sent(result.message)
        if result.changed:
            await self._after_saved(result.consultation)
        return _Sent(
            saved=result.consultation.reference,
            call_back_by=self._views.call_back_by(result.consultation),
        )

    async def _after_saved(self, consultation: Consultation) -> None:
        await self._views.update_thread(consultation)
        if consultation.assignee_id is None:
            return
        assignee = await self._directory.by_id(consultation.assignee_id)
        if assignee is None:
            return
        access = await self._service.view(consultation.id, assignee)
        card = private_details(
            consultation.id, consultation.reference, access.details, access.earlier_referrals
        )
        try:
            await self._messenger.send_private(assignee, card)
        except NoRoute as missing:
            log.warning(
                "details.not_forwarded",
                extra={"consultation_id": consultation.id, "error_code": str(missing)},
            )

    async def _requester_only(
        self, person: StaffPerson | None, data: Mapping[str, Any], *, audit: str | None = None
    ) -> tuple[Consultation | None, str | None]:
        if person is None:
            return None, "You are not in the directory of this service."
        consultation = await self._service.consultation(str(data.get("consultationId", "")))
        if consultation is None:
            return None, "This request no longer exists."
        if consultation.requester_id != person.id:
            log.warning("details.not_requester", extra={"consultation_id": consultation.id})
            if audit is not None:
                await self._service.audit_refusal(consultation.id, person.id, audit)
            return consultation, (
                "Only the person who asked for the consultation can give these details."
            )
        if not consultation.is_open:
            return consultation, "This request is closed: no details are needed any more."
        return consultation, None

    async def _move(self, consultation_id: str, person: StaffPerson, step: Step) -> State:
        draft = await self._service.draft(consultation_id, person)
        current = State(draft.state) if draft is not None else None
        if (
            draft is not None
            and draft.expires_at <= self._clock.now()
            and current in (State.ASKED, State.EDITING)
        ):
            current = next_state(current, Step.EXPIRE)
        state = next_state(current, step)
        values = draft.values if draft is not None and state is State.EDITING else {}
        await self._service.save_draft(consultation_id, person, DIALOG, state, values)
        return state
