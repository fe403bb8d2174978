"""A person's 1:1 chat with the bot is created once, however many turns need it at the same time.

Under load a second turn for the same person used to start before the first had stored the chat
it created, so both created one (about 100 chat creations for 50 people in the load burst).
"""

from __future__ import annotations

import asyncio

from tests.e2e.test_request_flow import TUESDAY_10AM  # Tom's week, after today
from tests.support import activities as act
from tests.support.fake_connector import FakeConnector
from tests.support.harness import installed_bot

POSTS = 5


async def test_concurrent_posts_by_someone_new_create_their_chat_once(
    database_url: str, connector: FakeConnector
) -> None:
    async with installed_bot(database_url, connector, TUESDAY_10AM) as bot:
        url = connector.service_url
        posts = [
            act.channel_post(url, act.PRIYA, "Step up consultation please") for _ in range(POSTS)
        ]
        replies = await asyncio.gather(*(bot.send(post) for post in posts))
        assert [r.status for r in replies] == [201] * POSTS

        # Every post's private checklist reached Priya, all in the one chat created for her.
        def all_checklists_sent(_calls: object) -> bool:
            chats = {c.returned_id for c in connector.of("create_conversation")}
            return len([c for c in connector.posted() if c.conversation_id in chats]) >= POSTS

        await connector.wait_for(all_checklists_sent)
        created = connector.of("create_conversation")
        assert [c.member_ids for c in created] == [[act.PRIYA.teams_id]]
        conversations = bot.runtime.conversations
        assert conversations is not None
        stored = await conversations.reference(f"user:{act.PRIYA.aad_id}")
        assert stored is not None and stored["conversation"]["id"] == created[0].returned_id


async def test_concurrent_private_sends_to_someone_new_create_their_chat_once(
    database_url: str, connector: FakeConnector
) -> None:
    """The same through the messenger itself: ten cards at once to someone never met."""
    async with installed_bot(database_url, connector, TUESDAY_10AM) as bot:
        messenger, directory = bot.runtime.messenger, bot.runtime.directory
        assert messenger is not None and directory is not None
        tom = await directory.by_id(act.TOM.aad_id)
        assert tom is not None
        card = {"type": "AdaptiveCard", "version": "1.5", "body": []}
        sent = await asyncio.gather(*(messenger.send_private(tom, card) for _ in range(10)))
        created = connector.of("create_conversation")
        assert [c.member_ids for c in created] == [[act.TOM.teams_id]]
        assert len(set(sent)) == 10
        assert {c.conversation_id for c in connector.posted()} == {created[0].returned_id}
