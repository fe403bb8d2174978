"""The Monday post: who is on duty this week, once per week whatever restarts or instances."""

from __future__ import annotations

import logging

from botbuilder.core import MessageFactory

from bot.messenger import Messenger, NoRoute
from services.clock import Clock
from services.directory import Directory
from services.policy import Policy
from services.rota import RotaService
from storage.rota_store import RotaStore

log = logging.getLogger(__name__)


class DutyAnnouncer:
    """Posts the week's duty manager in the channel on the first working day of the week."""

    def __init__(
        self,
        rota: RotaService,
        store: RotaStore,
        messenger: Messenger,
        directory: Directory,
        policy: Policy,
        clock: Clock,
        channel_id: str,
    ) -> None:
        self._rota = rota
        self._store = store
        self._messenger = messenger
        self._directory = directory
        self._policy = policy
        self._clock = clock
        self._channel_id = channel_id

    async def tick(self) -> None:
        """Post this week's rota if it is due and nobody has posted it yet."""
        now = self._clock.now()
        rota = await self._rota.rota()
        week_start = rota.week_start(now)
        opening = self._policy.calendar.next_opening(week_start)
        # Only on the week's first working day: a bot started mid-week does not announce late.
        if not opening <= now < self._policy.calendar.end_of_working_day(opening):
            return
        key = f"duty:{week_start.date().isoformat()}"
        if not await self._store.claim(key, now):
            return
        duty = rota.on_duty(now)
        primary = await self._directory.by_id(duty.primary or "")
        deputy = await self._directory.by_id(duty.deputy or "")
        text = (
            f"On duty this week for step-up requests: **{primary.name}**, MAP team manager."
            if primary
            else "Nobody is on the duty rota this week: requests go to every MAP team manager."
        )
        if primary and deputy:
            text += f" Deputy: {deputy.name}."
        try:
            await self._messenger.post_in_channel(self._channel_id, MessageFactory.text(text))
        except NoRoute as missing:
            log.warning("rota.not_announced", extra={"error_code": str(missing)})
            return
        await self._store.sent(key, now)
        log.info("rota.announced", extra={"key": key})
