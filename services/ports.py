"""Ports the use cases need; adapters in storage/ and bot/ implement them."""

from __future__ import annotations

from dataclasses import dataclass
from types import TracebackType
from typing import Protocol

from domain.consultation import Consultation


class ConcurrentUpdateError(Exception):
    """Someone else changed the consultation since it was read; reload and try again."""


@dataclass(frozen=True, slots=True)
class Placement:
    """Where a consultation lives in Teams (its thread and the bot's card in it)."""

    channel_id: str | None
    thread_id: str | None
    card_activity_id: str | None
    source: str


class ConsultationStore(Protocol):
    """Consultations, read and written inside a unit of work."""

    async def next_reference(self, year: int) -> str: ...

    async def add(self, consultation: Consultation, placement: Placement) -> None: ...

    async def get(
        self, consultation_id: str, *, for_update: bool = False
    ) -> Consultation | None: ...

    async def save(self, consultation: Consultation, *, read_version: int) -> None: ...

    async def set_card(self, consultation_id: str, card_activity_id: str) -> None: ...

    async def set_thread(self, consultation_id: str, thread_id: str) -> None: ...

    async def placement(self, consultation_id: str) -> Placement | None: ...

    async def id_for_thread(self, channel_id: str, thread_id: str) -> str | None: ...


class UnitOfWork(Protocol):
    """One transaction: everything inside commits together or not at all."""

    consultations: ConsultationStore

    async def __aenter__(self) -> UnitOfWork: ...

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None: ...


class UnitOfWorkFactory(Protocol):
    """Makes a fresh unit of work per use case."""

    def __call__(self) -> UnitOfWork: ...
