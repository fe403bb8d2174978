"""Column types shared by the tables."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from sqlalchemy import DateTime, String
from sqlalchemy.engine import Dialect
from sqlalchemy.types import TypeDecorator


class UTCDateTime(TypeDecorator[datetime]):
    """An aware UTC datetime on every database (SQLite would hand back naive values)."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> Any:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetimes are not stored; pass an aware UTC datetime")
        return value.astimezone(UTC)

    def process_result_value(self, value: Any, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            return value.replace(tzinfo=UTC)
        return value.astimezone(UTC)


class UTCText(TypeDecorator[datetime]):
    """A `UTCDateTime` column of SQLite read as its stored text and parsed in one step.

    For reads of many rows (the period report, through `sqlalchemy.type_coerce`): SQLite keeps
    UTCDateTime as naive UTC text, and the usual way back (parse, then `replace(tzinfo=UTC)`)
    costs about 2 µs a value here, nearly all of it in `replace`; parsing the text with its
    offset appended gives the same aware datetime in about 0.2 µs. Text that already carries
    an offset (never written by this app) takes the usual way.
    """

    impl = String
    cache_ok = True

    def process_result_value(self, value: Any, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        try:
            return datetime.fromisoformat(value + "+00:00")
        except ValueError:
            parsed = datetime.fromisoformat(value)
            if parsed.tzinfo is None:
                return parsed.replace(tzinfo=UTC)
            return parsed.astimezone(UTC)
