"""The council profile: a validated description of one council's step-up process."""

from __future__ import annotations

import re
from datetime import date, time
from typing import Any, Literal
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from domain.roles import Role

_KEY = re.compile(r"^[a-z0-9][a-z0-9_-]{0,62}$")
WEEKDAYS = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Team(_Strict):
    """The Teams team the bot is installed in."""

    name: str
    thread_id: str = Field(pattern=r"^19:.+@thread\.(tacv2|skype)$")
    aad_group_id: str | None = None


class Channel(_Strict):
    """The watched channel ("FC/FSP Step Up Requests")."""

    id: str = Field(pattern=r"^19:.+@thread\.(tacv2|skype)$")
    name: str


class Service(_Strict):
    """A requesting service (a Family Centre or Family Support Programme)."""

    key: str
    name: str
    kind: Literal["FC", "FSP", "other"] = "other"
    area_team: str | None = None


class Person(_Strict):
    """Someone the bot knows, with the roles the process gives them."""

    key: str
    name: str
    email: str = Field(pattern=r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
    aad_object_id: str
    teams_id: str | None = Field(None, pattern=r"^29:.+$")
    job_title: str | None = None
    phones: tuple[str, ...] = ()
    roles: tuple[Role, ...] = Field(min_length=1)
    service: str | None = None
    title: str | None = None
    """Formal title shown to requesters, e.g. "Service Manager for CSPA"."""


class Cover(_Strict):
    """A planned cover: `covering` is on duty instead of `covered` between two dates."""

    covering: str
    covered: str | None = None
    start: date
    end: date
    """Last day of the cover (inclusive)."""


class RotaConfig(_Strict):
    """The weekly duty rota of MAP team managers."""

    rotation: tuple[str, ...]
    anchor: date
    """A date in a week when the first manager of the rotation is on duty."""
    deputies: tuple[str, ...] = ()
    handover_weekday: Literal[WEEKDAYS] = "monday"  # type: ignore[valid-type]
    handover_time: time = time(0)
    covers: tuple[Cover, ...] = ()


class WorkingHours(_Strict):
    """Working days and hours; bank holidays come from the `holidays` package."""

    timezone: str = "Europe/London"
    start: time = time(9)
    end: time = time(17)
    country: str = "GB"
    subdivision: str = "ENG"
    closures: tuple[date, ...] = ()

    @field_validator("timezone")
    @classmethod
    def _real_zone(cls, value: str) -> str:
        try:
            ZoneInfo(value)
        except (ZoneInfoNotFoundError, ValueError):
            raise ValueError(f"unknown time zone {value!r}") from None
        return value

    @model_validator(mode="after")
    def _ordered(self) -> WorkingHours:
        if self.start >= self.end:
            raise ValueError("working hours must start before they end")
        return self


class Timescales(_Strict):
    """Deadlines and retention, defaults from the Surrey process."""

    callback_hours: int = Field(24, ge=1, le=168)
    callback_rule: Literal["clock_hours", "next_working_day"] = "clock_hours"
    urgent_ack_working_minutes: int = Field(60, ge=5, le=480)
    retention_days_after_close: int = Field(365, ge=1)
    ask_details_on: Literal["acknowledge", "submit"] = "acknowledge"

    @model_validator(mode="before")
    @classmethod
    def _no_separate_service_manager_clock(cls, data: Any) -> Any:
        # The process has one call-back deadline ("within 24 hours"), and the service managers
        # are told when it passes: a second clock for them could only disagree with it.
        if isinstance(data, dict) and "service_manager_after_hours" in data:
            raise ValueError(
                "service_manager_after_hours is no longer a setting: the service managers are "
                "told when the call-back deadline passes, so set callback_hours (and "
                "callback_rule) instead, and remove this line"
            )
        return data


class CaseDetailsRules(_Strict):
    """How the private details are checked (the EHM number format differs by council)."""

    ehm_pattern: str = r"(?:EHM)?\d{6,10}"
    """Regular expression for the EHM number after spaces and dashes are removed (upper case)."""
    ehm_hint: str = "6 to 10 digits, optionally starting EHM"

    @field_validator("ehm_pattern")
    @classmethod
    def _compiles(cls, value: str) -> str:
        try:
            re.compile(value)
        except re.error:
            raise ValueError("ehm_pattern is not a valid regular expression") from None
        return value


class Phone(_Strict):
    """A named phone number shown on cards (assessment teams, out of hours)."""

    name: str
    phone: str


class Contacts(_Strict):
    """Numbers and guidance texts the bot shows."""

    out_of_hours: Phone
    police: str = "Call 999 if a child is in immediate danger."
    assessment_teams: tuple[Phone, ...] = ()
    out_of_hours_guidance: str = (
        "This request was posted outside working hours. If a child is at immediate risk, "
        "call the police on 999; for urgent social-care advice call the emergency duty team."
    )


class Links(_Strict):
    """Links shown on cards and policy tips."""

    threshold_document: str
    data_protection: str
    process: str | None = None


class RotaList(_Strict):
    """A SharePoint list holding duty weeks and covers; people by e-mail or Entra object id."""

    site_id: str
    list_id: str
    week_field: str = "WeekStarting"
    manager_field: str = "DutyManager"
    cover_start_field: str = "CoverStart"
    cover_end_field: str = "CoverEnd"
    """Last day of the cover (inclusive), as in the profile's covers."""
    covering_field: str = "Covering"
    covered_field: str = "Covered"


class GraphConfig(_Strict):
    """Where production mode finds roles and the rota in Microsoft Graph (all optional)."""

    role_groups: dict[Role, str] = Field(default_factory=dict)
    """Role -> Entra security group id; roles not named here come from `people`."""
    rota_list: RotaList | None = None
    shifts_team_id: str | None = None
    """Graph team id (group GUID) whose Teams Shifts schedule holds duty shifts."""
    shifts_group_id: str | None = None
    """Only shifts of this scheduling group count (all shifts when unset)."""


class Profile(_Strict):
    """One council's configuration of the step-up process."""

    council: str
    tenant_id: str
    staff_email_domains: tuple[str, ...] = Field(min_length=1)
    team: Team
    channel: Channel
    services: tuple[Service, ...] = Field(min_length=1)
    people: tuple[Person, ...] = Field(min_length=1)
    rota: RotaConfig
    working_hours: WorkingHours = WorkingHours()
    timescales: Timescales = Timescales()
    case_details: CaseDetailsRules = CaseDetailsRules()
    indicators: tuple[str, ...] = Field(min_length=1)
    reduces_safety_indicator: str
    contacts: Contacts
    links: Links
    acronyms: tuple[str, ...] = ()
    places: tuple[str, ...] = ()
    """Place names staff use (centres, localities): never taken for a family's name."""
    small_number_threshold: int = Field(5, ge=1)
    graph: GraphConfig = GraphConfig()
    """Microsoft Graph sources, used when STEPUP_GRAPH_ENABLED is true."""

    @model_validator(mode="after")
    def _references_resolve(self) -> Profile:
        _check_keys("services", [s.key for s in self.services])
        _check_keys("people", [p.key for p in self.people])
        service_keys = {s.key for s in self.services}
        people = {p.key: p for p in self.people}
        for person in self.people:
            if person.service and person.service not in service_keys:
                raise ValueError(f"person {person.key!r} names unknown service {person.service!r}")
        managers = {p.key for p in self.people if Role.MAP_TEAM_MANAGER in p.roles}
        for key in self.rota.rotation:
            if key not in managers:
                raise ValueError(f"rota.rotation: {key!r} is not a MAP team manager in people")
        for key in self.rota.deputies:
            if key not in people:
                raise ValueError(f"rota.deputies: {key!r} is not in people")
        for cover in self.rota.covers:
            for key in filter(None, (cover.covering, cover.covered)):
                if key not in people:
                    raise ValueError(f"rota.covers: {key!r} is not in people")
            if cover.end < cover.start:
                raise ValueError("rota.covers: a cover ends before it starts")
        if self.reduces_safety_indicator not in self.indicators:
            raise ValueError("reduces_safety_indicator must be one of indicators")
        return self

    def person(self, key: str) -> Person:
        """The person with this profile key."""
        return next(p for p in self.people if p.key == key)

    def people_with(self, role: Role) -> tuple[Person, ...]:
        """Everyone holding a role, in profile order."""
        return tuple(p for p in self.people if role in p.roles)


def _check_keys(section: str, keys: list[str]) -> None:
    seen: set[str] = set()
    for key in keys:
        if not _KEY.match(key):
            raise ValueError(f"{section}: key {key!r} must be lowercase letters, digits, - or _")
        if key in seen:
            raise ValueError(f"{section}: key {key!r} is used twice")
        seen.add(key)
