"""The Graph directory: people, roles from groups (paged, nested), 404, TTL and refresh."""

from __future__ import annotations

from domain.roles import Role
from graph.client import GraphConnection
from graph.directory import GraphDirectory
from tests.integration.graph.conftest import graph_profile
from tests.support import activities as act
from tests.support import fake_graph as fg


async def test_people_and_roles_come_from_graph_with_paging(
    fake: fg.FakeGraph, connection: GraphConnection, credential: fg.FakeCredential
) -> None:
    directory = GraphDirectory(connection, graph_profile())
    await directory.start()

    managers = await directory.with_role(Role.MAP_TEAM_MANAGER)
    assert [m.name for m in managers] == ["Tom Okafor", "Ewa Nowak", "Morgan Lee"]
    tom = await directory.by_id(act.TOM.aad_id)
    assert tom is not None
    assert tom.job_title == "Team Manager, MAP"
    assert tom.phones == ("01632 960201", "07700 900201")
    assert tom.email == "tom.okafor@northdown.gov.uk"
    assert tom.teams_id == act.TOM.teams_id  # from the profile
    assert tom.roles == frozenset({Role.MAP_TEAM_MANAGER})
    grace = await directory.by_id(act.GRACE.aad_id)
    assert grace is not None and grace.title == "Service Manager for CSPA"  # profile-only field
    assert len(await directory.everyone()) == 7

    pages = fake.of("GET", f"/groups/{fg.TM_GROUP}/transitiveMembers")
    assert len(pages) == 2  # 4 members (3 users + a nested group) at 2 a page
    assert pages[1].query["$skiptoken"] == "2"
    assert "jobTitle" in pages[0].query["$select"]
    assert {c.authorization for c in fake.calls} == {f"Bearer {fg.TOKEN}"}
    assert credential.scopes[0] == ("https://graph.microsoft.com/.default",)


async def test_an_unknown_user_is_none_and_someone_outside_the_groups_has_no_role(
    fake: fg.FakeGraph, connection: GraphConnection
) -> None:
    fake.users["0b6c1d2e-1111-4a2b-8c3d-0000000000aa"] = {
        "id": "0b6c1d2e-1111-4a2b-8c3d-0000000000aa",
        "displayName": "Casey Ward",
        "mail": "casey.ward@northdown.gov.uk",
        "businessPhones": [],
        "jobTitle": "Receptionist",
    }
    directory = GraphDirectory(connection, graph_profile())
    await directory.start()

    assert await directory.by_id(act.STRANGER.aad_id) is None
    assert await directory.by_id(act.STRANGER.aad_id) is None
    assert len(fake.of("GET", f"/users/{act.STRANGER.aad_id}")) == 1  # the 404 is cached
    casey = await directory.by_id("0b6c1d2e-1111-4a2b-8c3d-0000000000aa")
    assert casey is not None and casey.name == "Casey Ward" and casey.roles == frozenset()
    assert casey not in await directory.everyone()


async def test_roles_not_mapped_to_a_group_stay_with_the_profile(
    fake: fg.FakeGraph, connection: GraphConnection
) -> None:
    profile = graph_profile()
    groups = {Role.MAP_TEAM_MANAGER: fg.TM_GROUP}
    profile = profile.model_copy(
        update={"graph": profile.graph.model_copy(update={"role_groups": groups})}
    )
    directory = GraphDirectory(connection, profile)
    await directory.start()

    grace = await directory.by_id(act.GRACE.aad_id)
    assert grace is not None and grace.roles == frozenset({Role.SERVICE_MANAGER})
    assert grace.job_title == "Service Manager, CSPA"  # her details still come from Graph
    assert len(fake.of("GET", f"/users/{act.GRACE.aad_id}")) == 1
    assert "Morgan Lee" in [m.name for m in await directory.with_role(Role.MAP_TEAM_MANAGER)]


async def test_served_from_memory_within_the_ttl_then_refreshed_in_the_background(
    fake: fg.FakeGraph, connection: GraphConnection
) -> None:
    now = [0.0]
    directory = GraphDirectory(connection, graph_profile(), monotonic=lambda: now[0])
    await directory.start()
    loaded = len(fake.calls)

    await directory.with_role(Role.MAP_TEAM_MANAGER)
    await directory.by_id(act.TOM.aad_id)
    assert len(fake.calls) == loaded  # within the TTL: no Graph call at all

    fake.groups[fg.TM_GROUP].remove(act.EWA.aad_id)
    now[0] = connection.settings.cache_ttl_seconds + 1
    stale = await directory.with_role(Role.MAP_TEAM_MANAGER)
    assert "Ewa Nowak" in [m.name for m in stale]  # answered at once, from the old snapshot
    await directory.settle()
    fresh = await directory.with_role(Role.MAP_TEAM_MANAGER)
    assert [m.name for m in fresh] == ["Tom Okafor", "Morgan Lee"]
    assert len(fake.calls) > loaded


async def test_a_failed_refresh_keeps_the_last_snapshot(
    fake: fg.FakeGraph, connection: GraphConnection
) -> None:
    now = [0.0]
    directory = GraphDirectory(connection, graph_profile(), monotonic=lambda: now[0])
    await directory.start()
    fake.fail("GET", "/transitiveMembers", 500, times=None)
    now[0] = connection.settings.cache_ttl_seconds + 1

    await directory.everyone()
    await directory.settle()
    assert len(await directory.with_role(Role.MAP_TEAM_MANAGER)) == 3
    # Five pages at start-up (the managers' group has two), then one refresh that failed.
    assert len(fake.of("GET", "/transitiveMembers")) == 6


async def test_throttling_is_retried_transparently(
    fake: fg.FakeGraph, connection: GraphConnection
) -> None:
    fake.fail("GET", f"/groups/{fg.SM_GROUP}/", 429, retry_after=1)
    fake.fail("GET", f"/groups/{fg.AP_GROUP}/", 503, retry_after=1)
    directory = GraphDirectory(connection, graph_profile())
    await directory.start()

    assert len(await directory.with_role(Role.SERVICE_MANAGER)) == 2
    assert len(await directory.with_role(Role.MAP_ADVANCED_PRACTITIONER)) == 1
    assert len(fake.of("GET", f"/groups/{fg.SM_GROUP}/")) == 2


async def test_a_server_error_on_a_lookup_is_no_person_and_is_asked_again(
    fake: fg.FakeGraph, connection: GraphConnection
) -> None:
    directory = GraphDirectory(connection, graph_profile())
    await directory.start()
    outsider = "0b6c1d2e-1111-4a2b-8c3d-0000000000bb"
    fake.users[outsider] = {"id": outsider, "displayName": "Jo Bloggs", "mail": "jo@x.gov.uk"}
    fake.fail("GET", f"/users/{outsider}", 500)

    assert await directory.by_id(outsider) is None
    found = await directory.by_id(outsider)
    assert found is not None and found.name == "Jo Bloggs"


async def test_teams_ids_are_learnt_from_activities(connection: GraphConnection) -> None:
    directory = GraphDirectory(connection, graph_profile())
    await directory.start()
    assert await directory.by_teams_id(fg.MORGAN.teams_id) is None

    directory.remember_teams_id(fg.MORGAN.aad_id, fg.MORGAN.teams_id)
    morgan = await directory.by_teams_id(fg.MORGAN.teams_id)
    assert morgan is not None and morgan.teams_id == fg.MORGAN.teams_id
    tom = await directory.by_teams_id(act.TOM.teams_id)  # seeded from the profile
    assert tom is not None and tom.id == act.TOM.aad_id
