"""Build the domain's rota and working calendar from a profile (person keys -> Entra ids)."""

from __future__ import annotations

from datetime import datetime, time, timedelta
from zoneinfo import ZoneInfo

from domain.calendar import WorkingCalendar
from domain.details import DetailsRules
from domain.rota import Cover, Rota
from profiles.schema import WEEKDAYS, Profile
from services.policy import Policy


def calendar_from_profile(profile: Profile) -> WorkingCalendar:
    """The council's working calendar."""
    hours = profile.working_hours
    return WorkingCalendar(
        timezone=hours.timezone,
        day_start=hours.start,
        day_end=hours.end,
        country=hours.country,
        subdivision=hours.subdivision,
        closures=frozenset(hours.closures),
    )


def rota_from_profile(profile: Profile) -> Rota:
    """The duty rota, with people as Entra object ids and covers as local-midnight ranges."""
    ids = {p.key: p.aad_object_id for p in profile.people}
    rota = profile.rota
    zone = ZoneInfo(profile.working_hours.timezone)

    def midnight(day: object) -> datetime:
        return datetime.combine(day, time(0), tzinfo=zone)  # type: ignore[arg-type]

    covers = tuple(
        Cover(
            covering=ids[c.covering],
            covered=ids[c.covered] if c.covered else None,
            start=midnight(c.start),
            # The profile's end date is the last day covered; the domain's end is exclusive.
            end=midnight(c.end + timedelta(days=1)),
        )
        for c in rota.covers
    )
    return Rota(
        rotation=tuple(ids[key] for key in rota.rotation),
        anchor=rota.anchor,
        deputies=tuple(ids[key] for key in rota.deputies),
        covers=covers,
        handover_weekday=WEEKDAYS.index(rota.handover_weekday),
        handover_time=rota.handover_time,
        timezone=profile.working_hours.timezone,
    )


def policy_from_profile(profile: Profile) -> Policy:
    """The rules the use cases apply."""
    return Policy(
        calendar=calendar_from_profile(profile),
        rota=rota_from_profile(profile),
        callback_rule=profile.timescales.callback_rule,
        callback_hours=profile.timescales.callback_hours,
        indicators=profile.indicators,
        reduces_safety_indicator=profile.reduces_safety_indicator,
        services={s.key: s.name for s in profile.services},
        retention_days=profile.timescales.retention_days_after_close,
        details_rules=DetailsRules(
            ehm_pattern=profile.case_details.ehm_pattern,
            ehm_hint=profile.case_details.ehm_hint,
        ),
        ask_details_on=profile.timescales.ask_details_on,
    )
