"""Fixtures: the fake Graph server, a client pointed at it, the demo profile with role groups."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest

from graph.client import GraphConnection, connect
from graph.settings import GraphSettings
from profiles.loader import load_profile
from profiles.schema import GraphConfig, Profile, RotaList
from settings import DEMO_PROFILE
from tests.support import fake_graph as fg


def graph_profile(**graph: object) -> Profile:
    """The demo profile with every role read from the fake's groups (and `graph` overrides)."""
    config = GraphConfig(
        role_groups={
            "map_team_manager": fg.TM_GROUP,
            "map_advanced_practitioner": fg.AP_GROUP,
            "service_manager": fg.SM_GROUP,
            "requester": fg.REQ_GROUP,
        },
        rota_list=RotaList(site_id=fg.ROTA_SITE, list_id=fg.ROTA_LIST),
        **graph,
    )
    return load_profile(DEMO_PROFILE).model_copy(update={"graph": config})


def settings_for(fake: fg.FakeGraph, **overrides: object) -> GraphSettings:
    """Graph settings pointed at the fake, with short retries."""
    values: dict[str, object] = {
        "enabled": True,
        "tenant_id": "6f1c2b7e-0d4a-4c1e-9a57-3b2f8e0d9c11",
        "client_id": "5a0e9f3c-7d21-4b8e-a6f4-1c9d2e3b4a50",
        "client_secret": "not-used-by-the-fake-credential",
        "base_url": fake.base_url,
        "retry_delay_seconds": 0.0,
        "timeout_seconds": 5.0,
    }
    values.update(overrides)
    return GraphSettings(_env_file=None, **values)  # type: ignore[arg-type]


@pytest.fixture
async def fake() -> AsyncIterator[fg.FakeGraph]:
    """The fake Graph server on a free port."""
    server = fg.FakeGraph()
    await server.start()
    yield server
    await server.close()


@pytest.fixture
async def credential() -> fg.FakeCredential:
    """The fake credential (a fixed bearer token)."""
    return fg.FakeCredential()


@pytest.fixture
async def connection(
    fake: fg.FakeGraph, credential: fg.FakeCredential
) -> AsyncIterator[GraphConnection]:
    """A real GraphServiceClient pointed at the fake."""
    graph = connect(settings_for(fake), credential)
    yield graph
    await graph.close()
