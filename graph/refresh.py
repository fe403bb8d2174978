"""The live rota and directory: re-read from Graph on the scheduler tick, last good copy kept.

The rota list (or Shifts) changes while the app runs: a manager swaps a week, adds a cover.
Each tick asks `GraphRefresh.tick()`, which re-reads the directory and the rota sources once
they are older than STEPUP_GRAPH_CACHE_TTL and swaps the new rota into the Policy every
service already holds. A turn never waits on it. A failed read keeps the last good copy and is
retried within a minute; only an error code is logged, never Graph's message.
"""

from __future__ import annotations

import logging
from datetime import datetime, timedelta

from domain.rota import Rota
from graph.client import GraphError
from graph.directory import GraphDirectory
from graph.rota_sources import SharePointRota, ShiftsRota
from services.clock import Clock
from services.policy import Policy
from services.ports import RotaSource

log = logging.getLogger(__name__)

RETRY_AFTER_FAILURE = timedelta(seconds=60)


def rota_sources(directory: GraphDirectory, clock: Clock) -> list[RotaSource]:
    """The rota sources the profile's `graph` section names (none: the profile's rota only)."""
    config = directory.profile.graph
    sources: list[RotaSource] = []
    if config.rota_list is not None:
        sources.append(SharePointRota(directory.graph, config.rota_list, directory))
    if config.shifts_team_id:
        sources.append(
            ShiftsRota(
                directory.graph, config.shifts_team_id, directory, clock, config.shifts_group_id
            )
        )
    return sources


class GraphRefresh:
    """Keeps `policy.rota` and the directory fresh; `tick()` is cheap when nothing is due."""

    def __init__(self, directory: GraphDirectory, policy: Policy, clock: Clock) -> None:
        self.directory = directory
        self.policy = policy
        self._clock = clock
        # The profile's own rota: every read starts from it, so a row deleted from the list
        # (a week, a cover) disappears instead of lingering from the previous read.
        self._base = policy.rota
        self._sources = rota_sources(directory, clock)
        self._ttl = timedelta(seconds=directory.graph.settings.cache_ttl_seconds)
        self._due: datetime | None = None

    async def read_rota(self) -> Rota:
        """The profile's rota with every source's weeks and covers; raises GraphError."""
        rota = self._base
        for source in self._sources:
            rota = await source.rota(rota)
        return rota

    async def start(self) -> None:
        """The start-up read: the first rota, or GraphError (the caller says what to fix)."""
        self.policy.use_rota(await self.read_rota())
        self._due = self._clock.now() + self._ttl

    async def tick(self) -> None:
        """Refresh when due (by the app's clock, so the dev clock moves it too)."""
        now = self._clock.now()
        if self._due is None or now >= self._due:
            await self.refresh()

    async def refresh(self) -> bool:
        """Re-read people, roles and the rota now; True when everything was read."""
        ok = True
        try:
            await self.directory.refresh()  # listeners (the screen's staff list) follow it
        except GraphError as failed:
            ok = False
            log.warning("directory.refresh_failed", extra={"error_code": failed.code})
        if self._sources:
            try:
                rota = await self.read_rota()
            except GraphError as failed:
                ok = False
                # Keep serving the last good rota: a duty manager from an hour ago beats none.
                log.warning(
                    "rota.refresh_failed", extra={"error_code": failed.code, "key": failed.where}
                )
            else:
                self.policy.use_rota(rota)
                log.info("rota.refreshed")
        wait = self._ttl if ok else min(self._ttl, RETRY_AFTER_FAILURE)
        self._due = self._clock.now() + wait
        return ok
