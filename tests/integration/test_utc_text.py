"""SQLite's stored times read through `UTCText` (the report's fast way) equal `UTCDateTime`'s."""

from __future__ import annotations

from datetime import UTC, datetime
from zoneinfo import ZoneInfo

import sqlalchemy as sa
from hypothesis import given, settings
from hypothesis import strategies as st

from storage.types import UTCDateTime, UTCText

_table = sa.Table("moments", sa.MetaData(), sa.Column("at", UTCDateTime(), nullable=True))
_ENGINE = sa.create_engine("sqlite://")  # one in-memory database for every example
_table.create(_ENGINE)

moments = st.datetimes(
    min_value=datetime(1990, 1, 1),
    max_value=datetime(2100, 12, 31),
    timezones=st.sampled_from([UTC, ZoneInfo("Europe/London"), ZoneInfo("Asia/Kathmandu")]),
)


def _both(conn: sa.Connection) -> list[tuple[datetime | None, datetime | None]]:
    c = _table.c.at
    return [(a, b) for a, b in conn.execute(sa.select(c, sa.type_coerce(c, UTCText)))]


@settings(max_examples=200, deadline=None)
@given(st.lists(st.none() | moments, min_size=1, max_size=5))
def test_utc_text_reads_what_utc_datetime_wrote_as_utc_datetime_does(
    values: list[datetime | None],
) -> None:
    with _ENGINE.begin() as conn:
        conn.execute(_table.delete())
        conn.execute(_table.insert(), [{"at": v} for v in values])
        for usual, fast in _both(conn):
            assert fast == usual
            assert fast is None or fast.tzinfo is UTC


def test_text_written_another_way_is_read_as_the_usual_way_reads_it() -> None:
    # Without microseconds (as CURRENT_TIMESTAMP writes), ISO with a T, and with an offset.
    texts = ["2026-03-29 01:30:00", "2026-03-29T01:30:00.5", "2026-07-01 09:00:00+01:00"]
    with _ENGINE.begin() as conn:
        conn.execute(_table.delete())
        for text in texts:
            conn.execute(sa.text("INSERT INTO moments (at) VALUES (:t)"), {"t": text})
        got = _both(conn)
    assert [fast for _, fast in got] == [usual for usual, _ in got]
    assert got[2][1] == datetime(2026, 7, 1, 8, tzinfo=UTC)
