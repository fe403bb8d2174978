"""The clock port: nothing in the service reads the system time directly."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Protocol


class Clock(Protocol):
    """Tells the current time as an aware UTC datetime."""

    def now(self) -> datetime: ...


class SystemClock:
    """The real time."""

    def now(self) -> datetime:
        """The current UTC time."""
        return datetime.now(UTC)


class MovableClock:
    """A clock that tests and local demos can set or move forward (never in production)."""

    def __init__(self, start: datetime | None = None) -> None:
        self._offset = timedelta(0)
        self._fixed = start

    def now(self) -> datetime:
        """The moved time: a fixed moment if set, else real time plus the offset."""
        if self._fixed is not None:
            return self._fixed
        return datetime.now(UTC) + self._offset

    def set(self, moment: datetime) -> None:
        """Jump to `moment` (aware) and stay there until moved again."""
        if moment.tzinfo is None:
            raise ValueError("the clock needs an aware datetime")
        self._fixed = moment.astimezone(UTC)

    def advance(self, delta: timedelta) -> None:
        """Move forward by `delta`."""
        if self._fixed is not None:
            self._fixed += delta
        else:
            self._offset += delta
