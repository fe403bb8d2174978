"""With the fake Graph server, production mode resolves the demo people and their roles from
groups, reads the rota from a list, hides a post on block mode and falls back to warn mode on
403 — end to end through `/api/messages`.

The bot runs with local-mode settings and Graph ENABLED: Graph mode is independent of bot auth,
and production bot auth validates Bot Framework tokens, which needs a JWKS we cannot have
offline (tests/e2e/test_production_auth.py covers that side). The credential is a fake that
hands out a fixed token; the real msgraph-sdk talks HTTP to the fake Graph.
"""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator
from datetime import UTC, date, datetime, time, timedelta
from pathlib import Path
from typing import Any

import pytest
import yaml

from bot.messenger import NoRoute
from domain.roles import Role
from graph import client
from graph.directory import GraphDirectory
from graph.settings import GraphConfigError, GraphSettings
from services.clock import MovableClock
from services.directory import StaffPerson
from settings import DEMO_PROFILE
from tests.e2e.test_guard import FAMILY, POST, SURROUNDING, in_channel, personal, words
from tests.e2e.test_request_flow import LONDON, TUESDAY_10AM, _press, _texts, _thread_card
from tests.support import activities as act
from tests.support import fake_graph as fg
from tests.support.fake_connector import FakeConnector
from tests.support.harness import BotUnderTest, local_settings

SECRET = "graph-secret-that-must-never-be-shown"


def _sharepoint_day(day: date) -> str:
    """A SharePoint date column as Graph returns it: local midnight, in UTC."""
    midnight = datetime.combine(day, time(0), tzinfo=LONDON).astimezone(UTC)
    return midnight.strftime("%Y-%m-%dT%H:%M:%SZ")


def _rota_list() -> list[dict[str, Any]]:
    """fake_graph.demo_rota_list's rows for the anchor's weeks (computed from today, as
    TUESDAY_10AM is): Morgan's duty week (the profile's rotation says Tom), and Tom covering
    the Tuesday and Wednesday of the next week (Ewa's)."""
    monday = TUESDAY_10AM.astimezone(LONDON).date() - timedelta(days=1)
    return [
        fg.list_item(
            1,
            Title=f"Week {monday.isocalendar().week}",
            WeekStarting=_sharepoint_day(monday),
            DutyManager=fg.MORGAN_MAIL,
        ),
        fg.list_item(
            2,
            Title="Cover",
            CoverStart=_sharepoint_day(monday + timedelta(days=8)),
            CoverEnd=_sharepoint_day(monday + timedelta(days=9)),
            Covering="Tom.Okafor@northdown.gov.uk",
        ),
    ]


@pytest.fixture
async def fake() -> AsyncIterator[fg.FakeGraph]:
    server = fg.FakeGraph()
    server.list_items[(fg.ROTA_SITE, fg.ROTA_LIST)] = _rota_list()
    await server.start()
    yield server
    await server.close()


@pytest.fixture
def credential() -> fg.FakeCredential:
    return fg.FakeCredential()


@pytest.fixture
def graph_bot(
    fake: fg.FakeGraph,
    credential: fg.FakeCredential,
    database_url: str,
    connector: FakeConnector,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> BotUnderTest:
    """The bot (not started) with Graph on, the fake's groups and rota list in its profile."""
    profile: dict[str, Any] = yaml.safe_load(DEMO_PROFILE.read_text(encoding="utf-8"))
    profile["graph"] = {
        "role_groups": {
            "map_team_manager": fg.TM_GROUP,
            "map_advanced_practitioner": fg.AP_GROUP,
            "service_manager": fg.SM_GROUP,
            "requester": fg.REQ_GROUP,
        },
        "rota_list": {"site_id": fg.ROTA_SITE, "list_id": fg.ROTA_LIST},
    }
    path = tmp_path / "profile.yaml"
    path.write_text(yaml.safe_dump(profile), encoding="utf-8")
    for name, value in {
        "STEPUP_GRAPH_ENABLED": "true",
        "STEPUP_GRAPH_BASE_URL": fake.base_url,
        "STEPUP_GRAPH_TENANT_ID": act.TENANT,
        "STEPUP_GRAPH_CLIENT_ID": act.BOT["id"][3:],
        "STEPUP_GRAPH_CLIENT_SECRET": SECRET,
        "STEPUP_GRAPH_RETRY_DELAY": "0",
    }.items():
        monkeypatch.setenv(name, value)

    def fake_credential(settings: GraphSettings) -> fg.FakeCredential:
        assert settings.client_secret.get_secret_value() == SECRET
        return credential

    monkeypatch.setattr(client, "make_credential", fake_credential)
    settings = local_settings(database_url, profile_path=path)
    return BotUnderTest(settings, connector, clock=MovableClock(TUESDAY_10AM))


@pytest.fixture
async def bot(graph_bot: BotUnderTest) -> AsyncIterator[BotUnderTest]:
    await graph_bot.start()
    await graph_bot.send(act.installation_added(graph_bot.connector.service_url))
    graph_bot.connector.calls.clear()
    yield graph_bot
    await graph_bot.stop()


async def test_people_roles_and_the_rota_come_from_graph(
    bot: BotUnderTest, fake: fg.FakeGraph, credential: fg.FakeCredential
) -> None:
    assert isinstance(bot.runtime.directory, GraphDirectory)
    post = act.channel_post(bot.connector.service_url, act.PRIYA, "Step up consultation please")
    assert (await bot.send(post)).status == 201

    card = _thread_card(bot.connector, post)
    shown = _texts(card.cards[0])
    # Morgan is on duty by the SharePoint list, and a MAP manager only by a nested Entra group.
    assert "<at>Morgan Lee</at>" in shown and "Tom Okafor" not in shown
    assert "Priya Shah (priya.shah@northdown.gov.uk)" in shown  # a requester by her group
    assert "Family Centre Northgate" in shown  # her service is still the profile's

    before = len(fake.calls)
    morgan = act.User(fg.MORGAN.teams_id, fg.MORGAN.name, fg.MORGAN.aad_id)
    acked = await bot.send(_press(bot, morgan, post, card, "acknowledge"))
    assert acked.body["type"] == "application/vnd.microsoft.card.adaptive"
    assert "Acknowledged: call-back due" in _texts(bot.connector.of("update")[-1].cards[0])
    assert len(fake.calls) == before  # a card click never waits on Graph

    assert fake.of("GET", f"/sites/{fg.ROTA_SITE}/lists/{fg.ROTA_LIST}/items")
    assert {c.authorization for c in fake.calls} == {f"Bearer {fg.TOKEN}"}
    assert credential.scopes and not credential.closed
    await bot.stop()
    assert credential.closed


async def test_block_mode_hides_posts_and_replies_and_still_warns(
    bot: BotUnderTest, fake: fg.FakeGraph, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    url = bot.connector.service_url
    post = act.channel_post(url, act.PRIYA, POST)
    assert (await bot.send(post)).status == 201

    [hidden] = fake.patches()
    channel = f"/teams/{act.TEAM['aadGroupId']}/channels/{act.STEPUP_CHANNEL}/messages"
    assert hidden.path == f"{channel}/{post['id']}"  # the group GUID, not the 19: thread id
    violation = hidden.body["policyViolation"]
    assert (violation["dlpAction"], violation["verdictDetails"]) == ("blockAccess", "none")
    tip = violation["policyTip"]
    assert tip["complianceUrl"] == "https://intranet.northdown.gov.uk/information-governance/teams"
    assert {"Name", "Date of birth", "Address"} <= set(tip["matchedConditionDescriptions"])
    notices = [c.text for c in bot.connector.posted() if "contains" in c.text]
    assert len(notices) == 1
    # Hidden, so nobody is asked to delete it: the thread and the author are told it is hidden.
    assert "I have hidden it from the channel" in notices[0]
    assert "Give case details privately" in notices[0]
    assert "delete" not in notices[0]
    # No copy of its text anywhere in the channel, not even redacted: the notice names kinds.
    assert words(POST) & words(notices[0]) <= {"priya", "shah", "please"}
    sent = " ".join(str(c.body) for c in in_channel(bot.connector.calls)).lower()
    for fragment in FAMILY + SURROUNDING:
        assert fragment.lower() not in sent, fragment
    assert "(name)" not in sent and "(address)" not in sent
    # The copy without the details goes to Priya alone, privately, with the rest of the note.
    [note] = [t for t in personal(bot.connector.calls, act.PRIYA) if "contained an address" in t]
    assert "I have hidden it from the channel" in note and "delete" not in note
    assert "lives at (address) (postcode), mum on (phone)" in note
    assert "Priya Shah, FC Northgate" in note

    reply = act.thread_reply(url, act.TOM, post["id"], "did mum say kayden was in school?")
    await bot.send(reply)
    assert fake.patches()[-1].path == f"{channel}/{post['id']}/replies/{reply['id']}"
    [tip] = [c.text for c in bot.connector.posted() if "Tom Okafor's post" in c.text]
    assert "school" not in tip and "kayden" not in tip.lower()
    assert [t for t in personal(bot.connector.calls, act.TOM) if "(name) was in school?" in t]
    graph_bodies = str([c.body for c in fake.calls])
    for fragment in SURROUNDING + ["was in school"]:
        assert fragment not in graph_bodies, fragment  # the policy tip names kinds only
    for fragment in FAMILY:
        assert fragment not in str([c.body for c in fake.calls]), fragment
        assert fragment not in caplog.text, fragment
    assert "guard.hidden" in caplog.text


async def test_a_403_switches_to_warn_mode_once(
    bot: BotUnderTest, fake: fg.FakeGraph, caplog: pytest.LogCaptureFixture
) -> None:
    fake.fail("PATCH", "/messages/", 403, times=None)
    caplog.set_level(logging.INFO)
    url = bot.connector.service_url
    await bot.send(act.channel_post(url, act.PRIYA, POST))
    await bot.send(act.channel_post(url, act.PRIYA, POST.replace("Kayden", "Jayden")))

    assert len(fake.patches()) == 1  # the second post is not even tried
    switched = [r for r in caplog.records if r.getMessage() == "guard.mode"]
    said = [(getattr(r, "mode", None), getattr(r, "error_code", None)) for r in switched]
    assert said == [("warn", "graph_403_policy_violation")]
    notices = [c.text for c in bot.connector.posted() if "please delete the post" in c.text]
    assert len(notices) == 2  # both posts still warned in the thread, and asked to delete
    assert not [c.text for c in bot.connector.posted() if "hidden" in c.text]
    # Warn mode by fallback follows the same rule: no text in the channel, the copy privately.
    sent = " ".join(str(c.body) for c in in_channel(bot.connector.calls)).lower()
    for fragment in SURROUNDING + ["(name)", "(address)"]:
        assert fragment.lower() not in sent, fragment
    copies = [t for t in personal(bot.connector.calls, act.PRIYA) if "mum on (phone)" in t]
    assert len(copies) == 2 and all("Please delete it now" in t for t in copies)


async def test_a_post_that_could_not_be_hidden_is_still_to_be_deleted(
    bot: BotUnderTest, fake: fg.FakeGraph
) -> None:
    fake.fail("PATCH", "/messages/", 500, times=None)  # Graph down: this post stays visible
    await bot.send(act.channel_post(bot.connector.service_url, act.PRIYA, POST))

    notices = [c.text for c in bot.connector.posted() if "contains" in c.text]
    assert len(notices) == 1 and "please delete the post" in notices[0]
    assert "hidden" not in notices[0]
    assert words(POST) & words(notices[0]) <= {"priya", "shah", "please"}
    assert [t for t in personal(bot.connector.calls, act.PRIYA) if "mum on (phone)" in t]


async def test_refused_credentials_stop_the_start_up_with_one_clear_line(
    graph_bot: BotUnderTest, credential: fg.FakeCredential
) -> None:
    credential.refuse = "AADSTS7000215"
    with pytest.raises(GraphConfigError) as refused:
        await graph_bot.start()
    await graph_bot.stop()
    message = str(refused.value)
    assert "AADSTS7000215" in message and "secret" in message
    assert SECRET not in message
    assert credential.closed


async def test_a_duty_manager_with_automatic_replies_on_hands_new_requests_to_the_deputy(
    graph_bot: BotUnderTest, fake: fg.FakeGraph
) -> None:
    fake.automatic_replies[fg.MORGAN.aad_id] = {"status": "alwaysEnabled"}
    await graph_bot.start()
    try:
        await graph_bot.send(act.installation_added(graph_bot.connector.service_url))
        post = act.channel_post(graph_bot.connector.service_url, act.PRIYA, "Step up please")
        await graph_bot.send(post)
        shown = _texts(_thread_card(graph_bot.connector, post).cards[0])
        assert "<at>Sam Reid</at>" in shown and "Morgan Lee" not in shown
    finally:
        await graph_bot.stop()


# --- while running: the rota list, `29:` ids and the screen's staff list follow Graph ---------

EWA_MAIL = "ewa.nowak@northdown.gov.uk"
ROWAN = act.User("29:demo-rowan", "Rowan Ellis", "0b6c1d2e-1111-4a2b-8c3d-000000000008")


async def _tick_after(bot: BotUnderTest, minutes: int) -> None:
    """Move the app's clock on and run one scheduler tick, as the minute job would."""
    assert isinstance(bot.clock, MovableClock) and bot.runtime.ticker is not None
    bot.clock.advance(timedelta(minutes=minutes))
    await bot.runtime.ticker.run_now()


async def _duty_shown(bot: BotUnderTest, text: str) -> str:
    post = act.channel_post(bot.connector.service_url, act.PRIYA, text)
    assert (await bot.send(post)).status == 201
    return _texts(_thread_card(bot.connector, post).cards[0])


async def test_a_changed_rota_list_reaches_the_next_request_after_a_tick(
    bot: BotUnderTest, fake: fg.FakeGraph, caplog: pytest.LogCaptureFixture
) -> None:
    assert "<at>Morgan Lee</at>" in await _duty_shown(bot, "Step up consultation please")
    rows = fake.list_items[(fg.ROTA_SITE, fg.ROTA_LIST)]
    rows[0]["fields"]["DutyManager"] = EWA_MAIL  # a manager swaps the week in SharePoint

    await _tick_after(bot, 1)  # within the cache TTL: nothing is read, Morgan stays
    assert "<at>Morgan Lee</at>" in await _duty_shown(bot, "Another step up please")

    await _tick_after(bot, 15)  # STEPUP_GRAPH_CACHE_TTL (900 s) has passed: the list is re-read
    shown = await _duty_shown(bot, "A third step up please")
    assert "<at>Ewa Nowak</at>" in shown and "Morgan Lee" not in shown

    # Graph failing: the last good rota stays, and only an error code is logged.
    fake.fail("GET", "/items", 500, times=None)
    caplog.set_level(logging.WARNING)
    await _tick_after(bot, 16)
    assert "<at>Ewa Nowak</at>" in await _duty_shown(bot, "A fourth step up please")
    [failed] = [r for r in caplog.records if r.getMessage() == "rota.refresh_failed"]
    assert getattr(failed, "error_code", None) == "http_500" and failed.exc_info is None
    assert "fake Graph" not in caplog.text  # Graph's own message never reaches the log


async def test_a_person_known_only_to_graph_gets_their_teams_id_from_any_activity(
    bot: BotUnderTest, fake: fg.FakeGraph
) -> None:
    """Morgan is in no profile and never posted: a card click is enough to reach them."""
    directory, messenger = bot.runtime.directory, bot.runtime.messenger
    assert directory is not None and messenger is not None
    before = await directory.by_id(fg.MORGAN.aad_id)
    assert before is not None and before.teams_id is None
    with pytest.raises(NoRoute):  # no `29:` id: no 1:1 chat can be created
        await messenger.send_private_text(before, "Test message")

    post = act.channel_post(bot.connector.service_url, act.PRIYA, "Step up consultation please")
    await bot.send(post)
    card = _thread_card(bot.connector, post)
    assert fg.MORGAN.teams_id not in card.cards[0]["refresh"]["userIds"]
    graph_calls = len(fake.calls)
    await bot.send(_press(bot, fg.MORGAN, post, card, "acknowledge"))
    assert len(fake.calls) == graph_calls  # learnt from the activity, no Graph call

    after = await directory.by_id(fg.MORGAN.aad_id)
    assert after is not None and after.teams_id == fg.MORGAN.teams_id
    assert await directory.by_teams_id(fg.MORGAN.teams_id) == after
    updated = bot.connector.of("update")[-1].cards[0]
    assert fg.MORGAN.teams_id in updated["refresh"]["userIds"]  # her own view of the card
    await messenger.send_private_text(after, "Test message")
    [chat] = bot.connector.of("create_conversation")[-1:]
    assert chat.member_ids == [fg.MORGAN.teams_id]


async def test_the_screen_knows_new_staff_once_the_directory_is_refreshed(
    bot: BotUnderTest, fake: fg.FakeGraph
) -> None:
    """A new advanced practitioner named in a post is staff, not a family member, after a tick."""
    fake.users[ROWAN.aad_id] = {
        "id": ROWAN.aad_id,
        "displayName": ROWAN.name,
        "mail": "rowan.ellis@northdown.gov.uk",
        "userPrincipalName": "rowan.ellis@northdown.gov.uk",
        "businessPhones": ["01632 960205"],
        "jobTitle": "Advanced Practitioner, MAP",
    }
    fake.groups[fg.AP_GROUP].append(ROWAN.aad_id)
    text = "Rowan Ellis from MAP is helping with this one"

    await bot.send(act.channel_post(bot.connector.service_url, act.PRIYA, text))
    assert [c for c in bot.connector.posted() if "contains a name" in c.text]  # not yet known

    bot.connector.calls.clear()
    directory = bot.runtime.directory
    assert isinstance(directory, GraphDirectory)
    await directory.refresh()  # any refresh: the tick's, or the one a read past the TTL starts
    assert await directory.by_id(ROWAN.aad_id) == StaffPerson(
        id=ROWAN.aad_id,
        name=ROWAN.name,
        email="rowan.ellis@northdown.gov.uk",
        roles=frozenset({Role.MAP_ADVANCED_PRACTITIONER}),
        job_title="Advanced Practitioner, MAP",
        phones=("01632 960205",),
    )
    await bot.send(act.channel_post(bot.connector.service_url, act.PRIYA, text))
    assert not [c for c in bot.connector.posted() if "contains" in c.text]
    assert len(fake.patches()) == 1  # only the first post was hidden
