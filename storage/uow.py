"""The SQL unit of work: one connection and transaction per use case."""

from __future__ import annotations

from types import TracebackType

from sqlalchemy.exc import DBAPIError
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine, AsyncTransaction

from services.ports import ConnectionLost
from storage.consultations import ConsultationRepository
from storage.crypto import FieldCipher
from storage.db import READ_ONLY
from storage.details import DetailsRepository
from storage.flow_cases import FlowCaseRepository
from storage.outbox import SqlOutbox
from storage.rota_store import CoverRepository


class SqlUnitOfWork:
    """Commits when the block ends normally, rolls back when it raises."""

    consultations: ConsultationRepository
    details: DetailsRepository
    covers: CoverRepository
    outbox: SqlOutbox
    flow_cases: FlowCaseRepository

    def __init__(
        self, engine: AsyncEngine, cipher: FieldCipher | None = None, *, read_only: bool = False
    ) -> None:
        self._read_only = read_only
        # Without a cipher the unit of work cannot touch private details (some tests need none).
        self._engine = engine
        self._cipher = cipher
        self._conn: AsyncConnection | None = None
        self._tx: AsyncTransaction | None = None

    async def __aenter__(self) -> SqlUnitOfWork:
        self._conn = await self._engine.connect()
        if self._read_only:
            self._conn = await self._conn.execution_options(**{READ_ONLY: True})
        self._tx = await self._conn.begin()
        self.consultations = ConsultationRepository(self._conn)
        self.covers = CoverRepository(self._conn)
        self.outbox = SqlOutbox(self._conn)
        self.flow_cases = FlowCaseRepository(self._conn)
        if self._cipher is not None:
            self.details = DetailsRepository(self._conn, self._cipher)
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        assert self._conn is not None and self._tx is not None
        try:
            if exc_type is None:
                await self._tx.commit()
            else:
                await self._tx.rollback()
        except DBAPIError as failed:
            if _dropped(failed):
                raise ConnectionLost from failed
            if exc is None:
                raise
            # The rollback failed too: the body's own error, raised on return, is what matters.
        finally:
            await self._conn.close()
        if isinstance(exc, DBAPIError) and _dropped(exc):
            raise ConnectionLost from exc


def _dropped(error: DBAPIError) -> bool:
    """Whether SQLAlchemy found the connection dead (it invalidates it: the pool replaces it)."""
    return bool(error.connection_invalidated)
