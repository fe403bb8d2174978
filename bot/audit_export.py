"""The audit export: a request's whole trail as a CSV file for a MAP team manager.

In Teams the file goes through the personal-chat file flow (cards/file_cards.py): a consent
card in the manager's 1:1 chat, then, on accept, an upload to the URL Teams gives and a file
info card. Without Teams uploads (local mode) the file is written under `var/exports/`.
Every offer, answer and refusal is in the append-only access log; the file holds the trail
only (who did what and when, codes and staff names), never a family detail (docs/privacy.md).
"""

from __future__ import annotations

import logging
import os
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from http import HTTPStatus
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import aiohttp
from botbuilder.core import InvokeResponse, MessageFactory, TurnContext
from botbuilder.schema import Attachment
from sqlalchemy.ext.asyncio import AsyncEngine

from bot import invokes
from bot.messenger import Messenger
from bot.people import sender_of
from cards.file_cards import file_consent_card, file_info_card
from domain.roles import Role
from reports.audit import load_audit, record_audit_view
from reports.audit_export import audit_csv
from reports.trail import AuditTrail
from services.clock import Clock
from services.directory import Directory, StaffPerson
from storage.audit_exports import Claim, ExportOffers

log = logging.getLogger(__name__)

UPLOAD_SECONDS = 8.0
"""The upload runs inside the invoke, which Teams gives 10-15 s: a trail is a few KiB."""

REFUSED = (
    "Only MAP team managers can export a request's audit trail. "
    "Ask the MAP team manager on duty if you need it."
)
_CLAIM_REFUSALS = {
    Claim.NOT_YOURS: (HTTPStatus.FORBIDDEN, "This export was not offered to you."),
    Claim.ANSWERED: (HTTPStatus.CONFLICT, "This export has already been answered."),
    Claim.EXPIRED: (HTTPStatus.GONE, "This export offer has expired."),
}


@dataclass(frozen=True)
class ExportPlace:
    """Where exports go: Teams' file flow, or files in a private directory."""

    via_teams: bool
    directory: Path
    https_only: bool
    """Production accepts only https upload URLs (Teams' are OneDrive's)."""


def may_export(person: StaffPerson | None) -> bool:
    """Only MAP team managers may take a request's trail away as a file."""
    return person is not None and Role.MAP_TEAM_MANAGER in person.roles


class AuditExporter:
    """The "Export the full trail" button, the 1:1 "export audit <reference>", and the
    `fileConsent/invoke` that answers the consent card."""

    def __init__(
        self,
        engine: AsyncEngine,
        directory: Directory,
        clock: Clock,
        messenger: Messenger,
        place: ExportPlace,
        timezone: str,
    ) -> None:
        self._engine = engine
        self._directory = directory
        self._clock = clock
        self._messenger = messenger
        self._place = place
        self._timezone = timezone
        self._offers = ExportOffers(engine)

    # --- asking for it ------------------------------------------------------------------------

    async def press(self, turn_context: TurnContext, data: Mapping[str, Any]) -> dict[str, Any]:
        """The audit card's button: the file goes to the presser's 1:1 chat (never the thread)."""
        person = await sender_of(turn_context, self._directory)
        consultation_id = str(data.get("consultationId", ""))[:64]
        trail = await self._allowed_trail(person, consultation_id)
        if isinstance(trail, str):
            return invokes.card_message(trail)
        assert person is not None
        if not self._place.via_teams:
            return invokes.card_message(await self._write(person, trail))
        offer, attachment = await self._offer(person, trail)
        try:
            await self._messenger.send_private_attachment(person, attachment)
        except Exception as exc:  # noqa: BLE001 - NoRoute or a connector error: say so
            log.warning("export.not_sent", extra={"error_type": type(exc).__name__})
            await self._offers.finish(offer, "not_sent")
            return invokes.card_message(
                "I could not open a 1:1 chat with you just now: send me "
                f"**export audit {trail.reference}** there."
            )
        await self._audit(person, trail.consultation_id, "audit.export.offered")
        return invokes.card_message(
            f"I have sent the audit trail of {trail.reference} to your 1:1 chat with me: "
            "accept the file there to save it to your OneDrive."
        )

    async def command(self, turn_context: TurnContext, reference: str) -> None:
        """`export audit SU-2026-0042` in the 1:1 chat: the consent card (or file) right here."""
        person = await sender_of(turn_context, self._directory)
        consultation_id = await self._offers.id_for_reference(reference.upper())
        if consultation_id is None and may_export(person):
            await turn_context.send_activity(
                f"I know no request {reference.upper()}: check the reference on its card "
                "(for example SU-2026-0042)."
            )
            return
        trail = await self._allowed_trail(person, consultation_id or "")
        if isinstance(trail, str):
            await turn_context.send_activity(trail)
            return
        assert person is not None
        if not self._place.via_teams:
            await turn_context.send_activity(await self._write(person, trail))
            return
        _, attachment = await self._offer(person, trail)
        await turn_context.send_activity(MessageFactory.attachment(attachment))
        await self._audit(person, trail.consultation_id, "audit.export.offered")

    async def _allowed_trail(
        self, person: StaffPerson | None, consultation_id: str
    ) -> AuditTrail | str:
        """The trail, or the words of a refusal (a refusal is audited)."""
        if not may_export(person):
            if person is not None:
                await self._audit(person, consultation_id, "audit.export", allowed=False)
            return REFUSED
        trail = await self._trail(consultation_id)
        return trail if trail is not None else "This request no longer exists."

    async def _trail(self, consultation_id: str) -> AuditTrail | None:
        return await load_audit(
            self._engine,
            self._directory,
            consultation_id,
            now=self._clock.now(),
            timezone=self._timezone,
        )

    async def _offer(self, person: StaffPerson, trail: AuditTrail) -> tuple[str, Attachment]:
        offer = await self._offers.offer(trail.consultation_id, person.id, self._clock.now())
        size = len(audit_csv(trail).encode())
        attachment = file_consent_card(
            _file_name(trail, self._clock.now()),
            f"Audit trail of step-up request {trail.reference}: who did what and when. "
            "It holds no family details.",
            size,
            {"offerId": offer.id, "consultationId": trail.consultation_id},
        )
        return offer.id, attachment

    async def _write(self, person: StaffPerson, trail: AuditTrail) -> str:
        path = write_private(
            self._place.directory, _file_name(trail, self._clock.now()), audit_csv(trail)
        )
        await self._audit(person, trail.consultation_id, "audit.exported")
        return (
            f"Saved the audit trail of {trail.reference} ({len(trail.entries)} entries) to "
            f"{path} (readable only by the account the bot runs as)."
        )

    # --- the answer to the consent card -------------------------------------------------------

    async def answer(self, turn_context: TurnContext) -> InvokeResponse:
        """A `fileConsent/invoke`: check it names this person's own live offer, then upload
        (accept) or record the decline. Anything else is refused and uploads nothing."""
        value: dict[str, Any] = turn_context.activity.value
        context = value.get("context")
        action = value.get("action")
        if (
            action not in ("accept", "decline")
            or not isinstance(context, dict)
            or not isinstance(context.get("offerId"), str)
            or not isinstance(context.get("consultationId"), str)
        ):
            return invokes.bad_invoke("fileConsent/invoke needs an action and the card's context")
        offer_id, consultation_id = context["offerId"][:32], context["consultationId"][:32]
        person = await sender_of(turn_context, self._directory)
        if not may_export(person):
            return await self._refuse(turn_context, person, consultation_id, REFUSED)
        assert person is not None
        upload_info = value.get("uploadInfo")
        upload_url = usable_upload_url(upload_info, self._place.https_only)
        if action == "accept" and upload_url is None:
            return await self._refuse(
                turn_context,
                person,
                consultation_id,
                "Teams sent no usable upload address: nothing was saved. Please try again.",
                HTTPStatus.BAD_REQUEST,
            )
        outcome = "accepted" if action == "accept" else "declined"
        claim = await self._offers.claim(
            offer_id, consultation_id, person.id, outcome, self._clock.now()
        )
        if claim is not Claim.CLAIMED:
            status, words = _CLAIM_REFUSALS[claim]
            again = " Ask again with **export audit** and the request's reference."
            return await self._refuse(turn_context, person, consultation_id, words + again, status)
        if action == "decline":
            await self._audit(person, consultation_id, "audit.export.declined")
            await turn_context.send_activity("Export declined: nothing was saved.")
            return InvokeResponse(status=HTTPStatus.OK)
        assert upload_url is not None and isinstance(upload_info, dict)
        trail = await self._trail(consultation_id)
        assert trail is not None  # the offer's foreign key keeps its request
        problem = await upload(upload_url, audit_csv(trail).encode(), UPLOAD_SECONDS)
        if problem is not None:
            log.warning("export.upload_failed", extra={"error_type": problem})
            await self._offers.finish(offer_id, "upload_failed")
            await self._audit(person, consultation_id, "audit.export.failed")
            await turn_context.send_activity(
                f"I could not save the file to your OneDrive ({_plain(problem)}). Nothing was "
                f"saved: ask again with **export audit {trail.reference}**."
            )
            return InvokeResponse(status=HTTPStatus.OK)
        await self._offers.finish(offer_id, "uploaded")
        await self._audit(person, consultation_id, "audit.exported")
        sent = MessageFactory.attachment(file_info_card(upload_info))
        sent.text = f"The audit trail of {trail.reference} ({len(trail.entries)} entries)."
        await turn_context.send_activity(sent)
        return InvokeResponse(status=HTTPStatus.OK)

    async def _refuse(
        self,
        turn_context: TurnContext,
        person: StaffPerson | None,
        consultation_id: str,
        words: str,
        status: HTTPStatus = HTTPStatus.FORBIDDEN,
    ) -> InvokeResponse:
        if person is not None:
            await self._audit(person, consultation_id, "audit.export.consent", allowed=False)
        log.info("export.refused", extra={"error_code": f"consent_{status.value}"})
        await turn_context.send_activity(words)
        return InvokeResponse(status=status, body={"error": words})

    async def _audit(
        self, person: StaffPerson, consultation_id: str, action: str, *, allowed: bool = True
    ) -> None:
        await record_audit_view(
            self._engine,
            viewer_id=person.id,
            consultation_id=consultation_id,
            allowed=allowed,
            at=self._clock.now(),
            action=action,
        )


def _file_name(trail: AuditTrail, now: datetime) -> str:
    return f"audit-{trail.reference}-{now.astimezone(UTC):%Y%m%dT%H%M%SZ}.csv"


def _plain(words: str) -> str:
    return words.replace("_", " ")


def usable_upload_url(upload_info: object, https_only: bool) -> str | None:
    """The upload URL Teams gave, if it is one the bot may PUT to."""
    if not isinstance(upload_info, dict):
        return None
    url = upload_info.get("uploadUrl")
    if not isinstance(url, str) or len(url) > 4096:
        return None
    parts = urlsplit(url)
    schemes = ("https",) if https_only else ("https", "http")
    return url if parts.scheme in schemes and parts.hostname else None


async def upload(url: str, data: bytes, seconds: float) -> str | None:
    """PUT the whole file to an upload session; None on success, else what went wrong."""
    headers = {"Content-Range": f"bytes 0-{len(data) - 1}/{len(data)}"}
    try:
        timeout = aiohttp.ClientTimeout(total=seconds)
        async with (
            aiohttp.ClientSession(timeout=timeout) as session,
            session.put(url, data=data, headers=headers) as response,
        ):
            if response.status >= 300:
                return f"OneDrive answered {response.status}"
            return None
    except TimeoutError:
        return "OneDrive did not answer in time"
    except aiohttp.ClientError as exc:
        return f"the upload failed: {type(exc).__name__}"


def write_private(directory: Path, name: str, text: str) -> Path:
    """Write `text` to a new file in `directory`, both readable by this account only."""
    directory.mkdir(mode=0o700, parents=True, exist_ok=True)
    directory.chmod(0o700)  # an existing directory keeps its mode otherwise
    stem, dot, suffix = name.rpartition(".")
    for n in range(1, 100):
        path = directory / (name if n == 1 else f"{stem}-{n}{dot}{suffix}")
        try:
            fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        except FileExistsError:
            continue
        with os.fdopen(fd, "w", encoding="utf-8", newline="") as out:
            out.write(text)
        return path.resolve()
    raise FileExistsError(name)
