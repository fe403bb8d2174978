"""The council's rules the use cases apply, built from the profile by the composition root."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Literal

from domain.calendar import WorkingCalendar
from domain.details import DetailsRules
from domain.rota import Rota


@dataclass(frozen=True)
class Deadlines:
    """When a request must be acknowledged and called back."""

    acknowledge_due: datetime
    callback_due: datetime


@dataclass(frozen=True)
class Policy:
    """Calendar, rota, timescales and vocabulary of one council.

    Frozen so that no use case changes the council's rules by accident. The rota is the one
    part that changes while the app runs (a SharePoint list or Shifts, re-read in the
    background): `use_rota` swaps it in place, so every service holding this policy reads the
    new rota on its next request without being rebuilt.
    """

    calendar: WorkingCalendar
    rota: Rota
    """The duty rota as last read; read it on each use, never keep a copy."""
    callback_rule: Literal["clock_hours", "next_working_day"]
    callback_hours: int
    indicators: tuple[str, ...]
    reduces_safety_indicator: str
    services: Mapping[str, str]
    """Service key -> display name."""
    retention_days: int = 365
    """Days after closure before the private details are erased."""
    sent_message_days: int = 30
    """Days a delivered outbox message is kept (for support) before the purge deletes it."""
    details_rules: DetailsRules = DetailsRules()
    ask_details_on: Literal["acknowledge", "submit"] = "acknowledge"

    def use_rota(self, rota: Rota) -> None:
        """Serve `rota` from now on (the Graph refresh calls this; everything else reads)."""
        # One attribute rebinding: a reader sees the old rota or the new one, never a mixture.
        object.__setattr__(self, "rota", rota)

    def deadlines(self, posted_at: datetime) -> Deadlines:
        """Acknowledge by the end of the working day; call back within the configured time."""
        return Deadlines(
            acknowledge_due=self.calendar.end_of_working_day(posted_at),
            callback_due=self.calendar.callback_due(
                posted_at, rule=self.callback_rule, hours=self.callback_hours
            ),
        )

    def service_name(self, key: str | None) -> str:
        """The display name of a service key (the key itself if unknown)."""
        if key is None:
            return "Service not given"
        return self.services.get(key, key)
