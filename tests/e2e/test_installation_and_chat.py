"""Installation, welcome and the 1:1 chat: what the bot stores and what it sends."""

from __future__ import annotations

from tests.support import activities as act
from tests.support.harness import BotUnderTest


async def test_installing_in_the_team_stores_the_graph_group_id_and_welcomes_the_team(
    bot: BotUnderTest,
) -> None:
    url = bot.connector.service_url
    assert (await bot.send(act.installation_added(url))).status == 201
    assert (await bot.send(act.bot_added_to_team(url))).status == 201

    conversations = bot.runtime.conversations
    assert conversations is not None
    installation = await conversations.installation(act.TEAM["id"])
    assert installation is not None
    assert installation.aad_group_id == act.TEAM["aadGroupId"]
    assert installation.service_url == url
    welcome = bot.connector.posted()
    assert len(welcome) == 1
    assert welcome[0].conversation_id == act.TEAM["id"]
    assert "Step Up Bot for Northdown Council" in welcome[0].text


async def test_a_later_event_without_the_group_id_keeps_the_stored_one(bot: BotUnderTest) -> None:
    url = bot.connector.service_url
    await bot.send(act.installation_added(url))
    again = act.installation_added(url)
    del again["channelData"]["team"]["aadGroupId"]
    await bot.send(again)
    conversations = bot.runtime.conversations
    assert conversations is not None
    installation = await conversations.installation(act.TEAM["id"])
    assert installation is not None and installation.aad_group_id == act.TEAM["aadGroupId"]


async def test_a_personal_message_gets_help_and_stores_the_chat_for_later(
    bot: BotUnderTest,
) -> None:
    activity = act.personal_message(bot.connector.service_url, act.PRIYA, "hello")
    assert (await bot.send(activity)).status == 201
    replies = bot.connector.posted()
    assert len(replies) == 1
    assert replies[0].conversation_id == activity["conversation"]["id"]
    assert "step-up consultations" in replies[0].text
    conversations = bot.runtime.conversations
    assert conversations is not None
    reference = await conversations.reference(f"user:{act.PRIYA.aad_id}")
    assert reference is not None
    assert reference["conversation"]["id"] == activity["conversation"]["id"]
    assert reference["serviceUrl"] == bot.connector.service_url


async def test_a_channel_post_stores_the_channel_for_new_threads(bot: BotUnderTest) -> None:
    activity = act.channel_post(bot.connector.service_url, act.PRIYA, "Step up please")
    assert (await bot.send(activity)).status == 201
    conversations = bot.runtime.conversations
    assert conversations is not None
    reference = await conversations.reference(f"channel:{act.STEPUP_CHANNEL}")
    assert reference is not None
    # Without the ";messageid=" part, a send through it starts a new thread.
    assert reference["conversation"]["id"] == act.STEPUP_CHANNEL


async def test_posts_in_another_channel_or_tenant_are_ignored(bot: BotUnderTest) -> None:
    url = bot.connector.service_url
    other_channel = act.channel_post(url, act.PRIYA, "hi", channel=act.OTHER_CHANNEL)
    other_tenant = act.channel_post(url, act.PRIYA, "hi", tenant="00000000-0000-0000-0000-0")
    for activity in (other_channel, other_tenant):
        assert (await bot.send(activity)).status == 201
    conversations = bot.runtime.conversations
    assert conversations is not None
    assert await conversations.reference(f"channel:{act.OTHER_CHANNEL}") is None
    assert await conversations.reference(f"channel:{act.STEPUP_CHANNEL}") is None
    assert bot.connector.calls == []


async def test_what_was_stored_survives_a_restart(bot: BotUnderTest) -> None:
    url = bot.connector.service_url
    await bot.send(act.installation_added(url))
    await bot.send(act.personal_message(url, act.TOM, "hi"))
    await bot.restart()
    conversations = bot.runtime.conversations
    assert conversations is not None
    assert await conversations.installation(act.TEAM["id"]) is not None
    assert await conversations.reference(f"user:{act.TOM.aad_id}") is not None
