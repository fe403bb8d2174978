"""The council profile: the demo loads; mistakes are reported with the line at fault."""

from __future__ import annotations

import io
from datetime import UTC, datetime
from pathlib import Path

import pytest
import yaml

from domain.roles import Role
from profiles.loader import ProfileError, load_profile, parse_profile
from profiles.report import check_config
from settings import DEMO_PROFILE, Settings

DEMO_TEXT = DEMO_PROFILE.read_text()


def _edited(path: list[object], value: object) -> str:
    data = yaml.safe_load(DEMO_TEXT)
    target = data
    for key in path[:-1]:
        target = target[key]
    target[path[-1]] = value
    return yaml.safe_dump(data, sort_keys=False)


def test_the_demo_profile_names_the_demo_people_in_their_roles() -> None:
    profile = load_profile(DEMO_PROFILE)
    names = {role: [p.name for p in profile.people_with(role)] for role in Role}
    assert names[Role.REQUESTER] == ["Priya Shah"]
    assert names[Role.MAP_TEAM_MANAGER] == ["Tom Okafor", "Ewa Nowak"]
    assert names[Role.MAP_ADVANCED_PRACTITIONER] == ["Sam Reid"]
    assert names[Role.SERVICE_MANAGER] == ["Grace Mensah", "Daniel Hughes"]
    assert profile.channel.name == "FC/FSP Step Up Requests"


def test_the_demo_profile_matches_the_playground_tenant() -> None:
    playground = yaml.safe_load(
        (DEMO_PROFILE.parent.parent / ".m365agentsplayground.yml").read_text()
    )
    profile = load_profile(DEMO_PROFILE)
    assert profile.tenant_id == playground["tenantId"]
    assert profile.channel.id == playground["team"]["channels"][0]["id"]
    assert profile.team.aad_group_id == playground["team"]["aadGroupId"]
    people = [playground["currentUser"], *playground["users"]]
    ids = {p["aadObjectId"]: p["id"] for p in people}
    assert {p.aad_object_id: p.teams_id for p in profile.people} == ids


def test_a_wrong_value_is_reported_with_its_line_number() -> None:
    text = DEMO_TEXT.replace('start: "09:00"', 'start: "nine"')
    line = next(i for i, row in enumerate(text.splitlines(), 1) if '"nine"' in row)
    with pytest.raises(ProfileError) as error:
        parse_profile(text)
    assert f"line {line}: working_hours.start" in str(error.value)


def test_broken_yaml_is_reported_with_its_line_number() -> None:
    with pytest.raises(ProfileError, match="line 3"):
        parse_profile("council: x\nteam:\n\tname: y\n")


def test_a_rota_naming_someone_who_is_not_a_map_team_manager_is_refused() -> None:
    with pytest.raises(ProfileError, match="'priya' is not a MAP team manager"):
        parse_profile(_edited(["rota", "rotation"], ["tom", "priya"]))


def test_an_unknown_role_and_an_unknown_key_are_refused() -> None:
    people = yaml.safe_load(DEMO_TEXT)["people"]
    people[0]["roles"] = ["boss"]
    with pytest.raises(ProfileError, match=r"people\.0\.roles\.0"):
        parse_profile(_edited(["people"], people))
    with pytest.raises(ProfileError, match="Extra inputs"):
        parse_profile(DEMO_TEXT + "\nsurprise: 1\n")


def test_the_reduces_safety_indicator_must_be_an_indicator() -> None:
    with pytest.raises(ProfileError, match="reduces_safety_indicator"):
        parse_profile(_edited(["reduces_safety_indicator"], "Something else"))


def test_a_missing_file_is_a_clear_error(tmp_path: Path) -> None:
    with pytest.raises(ProfileError, match="cannot read"):
        load_profile(tmp_path / "nope.yaml")


def test_check_config_prints_who_is_on_duty_this_week_and_next() -> None:
    out = io.StringIO()
    monday = datetime(2026, 11, 23, 10, tzinfo=UTC)
    code = check_config(Settings(_env_file=None), DEMO_PROFILE, now=monday, out=out)
    text = out.getvalue()
    assert code == 0
    assert "On duty now: Tom Okafor (deputy Sam Reid, rotation)" in text
    assert "On duty next week: Ewa Nowak" in text
    assert "authentication OFF" in text


def test_check_config_draws_every_flow_it_proved() -> None:
    out = io.StringIO()
    code = check_config(Settings(_env_file=None), DEMO_PROFILE, now=datetime.now(UTC), out=out)
    text = out.getvalue()
    assert code == 0
    assert "Flow step_up: " in text and "Flow step_down: Step down into FC/FSP (Level 3)" in text
    assert text.count("```mermaid\nstateDiagram-v2") == 2
    assert "allocated --> taf_planned : confirm_plan" in text


def test_check_config_fails_on_a_flow_the_profile_cannot_fill(tmp_path: Path) -> None:
    path = tmp_path / "no-daniel.yaml"
    data = yaml.safe_load(DEMO_TEXT)
    data["people"] = [p for p in data["people"] if p["key"] != "daniel"]
    path.write_text(yaml.safe_dump(data, sort_keys=False))
    out = io.StringIO()
    code = check_config(Settings(_env_file=None), path, now=datetime.now(UTC), out=out)
    assert code == 1
    assert "Process definitions refused" in out.getvalue()
    assert "daniel" in out.getvalue()


def test_check_config_fails_on_an_empty_rota(tmp_path: Path) -> None:
    path = tmp_path / "empty.yaml"
    path.write_text(_edited(["rota", "rotation"], []))
    out = io.StringIO()
    code = check_config(
        Settings(_env_file=None), path, now=datetime(2026, 11, 23, 10, tzinfo=UTC), out=out
    )
    assert code == 1
    assert "empty_rota" in out.getvalue()
    assert "On duty now: nobody" in out.getvalue()
