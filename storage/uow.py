"""The SQL unit of work: one connection and transaction per use case."""

from __future__ import annotations

from types import TracebackType

from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine, AsyncTransaction

from storage.consultations import ConsultationRepository


class SqlUnitOfWork:
    """Commits when the block ends normally, rolls back when it raises."""

    consultations: ConsultationRepository

    def __init__(self, engine: AsyncEngine) -> None:
        self._engine = engine
        self._conn: AsyncConnection | None = None
        self._tx: AsyncTransaction | None = None

    async def __aenter__(self) -> SqlUnitOfWork:
        self._conn = await self._engine.connect()
        self._tx = await self._conn.begin()
        self.consultations = ConsultationRepository(self._conn)
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
        finally:
            await self._conn.close()


def unit_of_work_factory(engine: AsyncEngine) -> type[SqlUnitOfWork] | object:
    """A callable returning a fresh SqlUnitOfWork on `engine`."""
    return lambda: SqlUnitOfWork(engine)
