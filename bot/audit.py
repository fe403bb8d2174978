"""The audit-trail button: a manager's private view of who did what, and when."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from botbuilder.core import TurnContext
from sqlalchemy.ext.asyncio import AsyncEngine

from bot import invokes
from bot.audit_export import may_export
from bot.people import sender_of
from cards.audit_card import audit_card
from reports.audit import load_audit, record_audit_view
from reports.trail import may_view_audit
from services.clock import Clock
from services.directory import Directory


class AuditView:
    """Answers `view_audit`: MAP team managers and service managers only; every look audited."""

    def __init__(
        self, engine: AsyncEngine, directory: Directory, clock: Clock, timezone: str
    ) -> None:
        self._engine = engine
        self._directory = directory
        self._clock = clock
        self._timezone = timezone

    async def handle(self, turn_context: TurnContext, data: Mapping[str, Any]) -> dict[str, Any]:
        """Replace the card, for the presser only, with the request's trail."""
        person = await sender_of(turn_context, self._directory)
        consultation_id = str(data.get("consultationId", ""))[:64]
        allowed = may_view_audit(person)
        now = self._clock.now()
        if person is not None:
            await record_audit_view(
                self._engine,
                viewer_id=person.id,
                consultation_id=consultation_id,
                allowed=allowed,
                at=now,
            )
        if not allowed:
            return invokes.card_message(
                "Only MAP team managers and service managers can open the audit trail."
            )
        trail = await load_audit(
            self._engine, self._directory, consultation_id, now=now, timezone=self._timezone
        )
        if trail is None:
            return invokes.card_message("This request no longer exists.")
        return invokes.card_replacement(audit_card(trail, exportable=may_export(person)))
