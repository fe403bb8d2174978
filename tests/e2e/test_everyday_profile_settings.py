"""Every profile setting is used or gone: the service managers' escalation follows the one
call-back timescale, and a profile still setting a second clock for them is refused."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest
import yaml

from profiles.loader import ProfileError, load_profile
from services.clock import MovableClock
from settings import DEMO_PROFILE
from tests.e2e.test_everyday_queue import move_clock, post
from tests.support import activities as act
from tests.support.dates import next_working_day_at
from tests.support.fake_connector import FakeConnector
from tests.support.harness import BotUnderTest, local_settings
from tests.support.press import place_of, press


def demo_profile() -> dict[str, Any]:
    profile: dict[str, Any] = yaml.safe_load(DEMO_PROFILE.read_text(encoding="utf-8"))
    return profile


def test_a_profile_that_sets_a_separate_service_manager_clock_is_refused_saying_why(
    tmp_path: Path,
) -> None:
    profile = demo_profile()
    profile["timescales"]["service_manager_after_hours"] = 8
    path = tmp_path / "profile.yaml"
    path.write_text(yaml.safe_dump(profile), encoding="utf-8")
    with pytest.raises(ProfileError) as refused:
        load_profile(path)
    assert "service_manager_after_hours is no longer a setting" in str(refused.value)
    assert "callback_hours" in str(refused.value)


def test_every_timescale_in_the_demo_profile_is_one_the_schema_reads() -> None:
    assert "service_manager_after_hours" not in demo_profile()["timescales"]
    load_profile(DEMO_PROFILE)


@pytest.fixture
async def four_hour_council(
    database_url: str, connector: FakeConnector, tmp_path: Path
) -> AsyncIterator[BotUnderTest]:
    profile = demo_profile()
    profile["timescales"]["callback_hours"] = 4
    path = tmp_path / "profile.yaml"
    path.write_text(yaml.safe_dump(profile), encoding="utf-8")
    clock = MovableClock(next_working_day_at(10))
    running = BotUnderTest(local_settings(database_url, profile_path=path), connector, clock=clock)
    await running.start()
    try:
        await running.send(act.installation_added(connector.service_url))
        connector.calls.clear()
        yield running
    finally:
        await running.stop()


def told(bot: BotUnderTest, user: act.User) -> list[str]:
    """The texts sent to `user`'s 1:1 chat."""
    chats = {
        c.conversation_id
        for c in bot.connector.of("create_conversation")
        if c.member_ids == [user.teams_id]
    }
    return [c.text for c in bot.connector.posted() if c.conversation_id in chats and c.text]


async def test_the_service_managers_are_told_when_the_profiles_call_back_deadline_passes(
    four_hour_council: BotUnderTest,
) -> None:
    bot = four_hour_council
    _, card = await post(bot, "Step up consultation please")
    duty = {u.aad_id: u for u in (act.TOM, act.EWA)}
    found = await bot.runtime.consultations.get(  # type: ignore[union-attr]
        card.cards[0]["actions"][0]["data"]["consultationId"]
    )
    assert found is not None
    await press(bot, duty[found[0].assignee_id or ""], card, "Acknowledge", place_of(card))
    await move_clock(bot, 3 * 60 + 59)
    assert told(bot, act.GRACE) == [] and told(bot, act.DANIEL) == []
    await move_clock(bot, 2)  # 4 hours after the post: the call-back is overdue
    for manager in (act.GRACE, act.DANIEL):
        assert len(told(bot, manager)) == 1, told(bot, manager)
